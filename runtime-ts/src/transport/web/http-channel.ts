// The serving side of the HTTP transport (docs/transports.md, "HTTP"): one ByteChannel per HTTP
// connection (TCP socket) that has made an interop request. It turns each HTTP request into the
// frames a socket peer would send (a HELLO first, then REQUEST, ONEWAY, SUBSCRIBE, PING, CANCEL)
// and the node's answering frames into HTTP responses. So an HTTP request is served by the same
// Connection code as a frame from any other transport: the same checks, limits, deadlines,
// counters and errors. Payload bytes pass through untouched: the body is the frame's payload.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { emptyStruct } from '../../codec/define.js';
import { ErrorCode, InteropError } from '../../errors.js';
import type { CodecName } from '../../module.js';
import { FrameDecoder, FrameError } from '../../wire/decoder.js';
import { decodeEnvelope, encodeEnvelope, type ErrorEnvelope } from '../../wire/envelope.js';
import { CodecId, EMPTY_PAYLOAD, encodeFrame, encodeFrameHead, type Frame, FrameKind, codecId, codecNameOf } from '../../wire/frame.js';
import { encodeHandshake, PROTOCOL_VERSIONS } from '../../wire/handshake.js';
import type { Limits } from '../../wire/limits.js';
import type { ByteChannel, ChannelHandlers } from '../types.js';
import { bearerToken } from './security.js';
import { codecOfContentType, contentTypeOf, statusOfCode, streamsNotOverHttp, TIMEOUT_HEADER } from './http-mapping.js';

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** What the listener shares with every HTTP channel: the node's limits and what its functions are. */
export interface HttpContext {
  limits: Limits;
  /** The kind of each function the node serves ("module.fn" → call | oneway | stream), read once from its manifest. */
  kinds: Promise<Map<string, string>> | undefined;
}

/** A refusal the transport gives itself (bad header, unsupported content type), as an envelope. */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Answer = (frame: Frame) => void;

/** The frames a connection writes to its own channel are bounded only by the u32 length. */
export const OWN_FRAMES = { maxFrameBytes: 0xffff_ffff, maxTargetBytes: 0xffff };

export class HttpChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private closed = false;
  private readonly decoder: FrameDecoder;
  /** The handshake, started by the first request: resolves with the WELCOME's payload, rejects with the refusal. */
  private hello: { promise: Promise<Uint8Array>; done: boolean; resolve: (welcome: Uint8Array) => void; reject: (refusal: ErrorEnvelope) => void } | undefined;
  private token: string | undefined;
  /** HTTP requests being answered (event streams included): the socket ends only once they are. */
  private active = 0;
  private nextId = 1;
  private readonly answers = new Map<number, Answer>();
  /** Open event streams by the SUBSCRIBE's correlation id. */
  private readonly streams = new Map<number, { target: string; res: ServerResponse }>();
  /** The request whose body is being passed on as a frame: a connection-level ERROR now is about it. */
  private bodyInProgress: { id: number; oversized: boolean } | undefined;
  /** The node said GOODBYE or ended the channel: no new requests, close once they are answered. */
  private ending = false;
  private paused = false;
  private readonly held: Uint8Array[] = [];

  constructor(
    readonly description: string,
    private readonly socket: Socket,
    private readonly context: HttpContext,
  ) {
    this.decoder = new FrameDecoder(OWN_FRAMES); // the node's own frames: not a peer's limits
    socket.setNoDelay?.(true);
    socket.on('close', () => this.finish());
  }

  // ---- ByteChannel: what the node's Connection sees ----

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    this.socket.on('drain', () => handlers.drain());
  }

  /** Frames from the node: answers to the requests, events for the streams. */
  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    for (const chunk of chunks) {
      for (const item of this.decoder.push(chunk)) {
        if (!(item instanceof FrameError)) this.onFrame(item);
      }
    }
    return this.socket.writableLength < this.socket.writableHighWaterMark;
  }

  buffered(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    for (const bytes of this.held.splice(0)) this.handlers?.data(bytes);
    this.socket.resume();
  }

  end(): void {
    this.ending = true;
    this.endIfAnswered();
  }

  destroy(): void {
    // Answers already written still go out (a refusal's status, say); the socket closes after them.
    this.ending = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    for (const { res } of this.streams.values()) res.destroy();
    this.streams.clear();
    this.handlers?.close();
  }

  /** Passes bytes to the node's connection, as if the peer had sent them. */
  private deliver(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.paused) this.held.push(bytes);
    else this.handlers?.data(bytes);
  }

  private send(frame: Frame): void {
    this.deliver(encodeFrame(frame));
  }

  private endIfAnswered(): void {
    if (this.ending && this.active === 0) this.socket.end();
  }

  /** Counts a request until its response is done (or its connection gone). */
  track(res: ServerResponse): void {
    this.active++;
    res.once('close', () => {
      this.active--;
      this.endIfAnswered();
    });
  }

  // ---- frames from the node ----

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.WELCOME:
        if (this.hello) this.hello.done = true;
        return this.hello?.resolve(frame.payload);
      case FrameKind.ERROR:
        if (frame.correlation === 0) return this.onConnectionError(frame);
        return this.answer(frame);
      case FrameKind.RESPONSE:
      case FrameKind.PONG:
        return this.answer(frame);
      case FrameKind.EVENT:
        return this.onEvent(frame);
      case FrameKind.GOODBYE:
        return this.end();
      case FrameKind.REQUEST:
      case FrameKind.SUBSCRIBE:
      case FrameKind.PING:
        // The node cannot start an exchange with an HTTP client: it has no way to reach it.
        return this.send({ ...frame, kind: FrameKind.ERROR, timeoutMs: 0, flags: 0, payload: encodeEnvelope({ code: ErrorCode.UNIMPLEMENTED, message: 'the peer is an HTTP client: it cannot be called' }, codecNameOf(frame.codec) ?? 'json') });
    }
  }

  private answer(frame: Frame): void {
    const answer = this.answers.get(frame.correlation);
    if (!answer) return;
    this.answers.delete(frame.correlation);
    answer(frame);
  }

  /** A connection-level ERROR: the handshake's refusal, or the end of the connection. */
  private onConnectionError(frame: Frame): void {
    const env = decodeEnvelope(frame.payload, 'json', this.context.limits.maxDepth);
    if (this.hello && !this.hello.done) return this.hello.reject(env);
    const body = this.bodyInProgress;
    for (const [id, answer] of [...this.answers]) {
      this.answers.delete(id);
      // A body over max_frame_bytes (413), or one that did not arrive within frame_timeout_ms (408).
      const status = body?.id === id ? (body.oversized ? 413 : 408) : undefined;
      answer({ ...frame, correlation: id, ...(status !== undefined ? { status } : {}) } as Frame);
    }
    this.end();
  }

  private onEvent(frame: Frame): void {
    const dot = frame.target.lastIndexOf('.');
    const wildcard = `${frame.target.slice(0, dot)}.*`;
    const member = frame.target.slice(dot + 1);
    for (const { target, res } of this.streams.values()) {
      if (target === frame.target || target === wildcard) res.write(`event: ${member}\ndata: ${text.decode(frame.payload)}\n\n`);
    }
  }

  // ---- HTTP requests ----

  /** The handshake: the peer's own HELLO (POST /.well-known/interop/hello), or one made for it. */
  private handshake(helloPayload: Uint8Array): Promise<Uint8Array> {
    let settle!: Pick<NonNullable<HttpChannel['hello']>, 'resolve' | 'reject'>;
    const promise = new Promise<Uint8Array>((resolve, reject) => (settle = { resolve, reject }));
    promise.catch(() => undefined);
    this.hello = { promise, done: false, ...settle };
    this.send({ kind: FrameKind.HELLO, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: helloPayload });
    return promise;
  }

  /** Opens the connection for a request carrying `token` (Authorization: Bearer), or says why not. */
  private async open(req: IncomingMessage): Promise<void> {
    const token = bearerToken(req.headers.authorization);
    if (!this.hello) {
      this.token = token;
      const hello = { codecs: ['json', 'msgpack'] as CodecName[], compat: {}, node: this.description, offers: {}, protocol: [...PROTOCOL_VERSIONS], wants: {}, ...(token !== undefined ? { token } : {}) };
      await this.handshake(encodeHandshake(hello));
    } else await this.hello.promise;
    if (token !== this.token) {
      throw new HttpRefusal(401, ErrorCode.UNAUTHENTICATED, 'this HTTP connection was opened with another token: send the same Authorization header on every request of a connection');
    }
    if (this.ending) throw new HttpRefusal(503, ErrorCode.UNAVAILABLE, 'this connection is closing: send the request again on a new connection');
  }

  /** POST /.well-known/interop/hello: the peer's HELLO, answered with the node's WELCOME (a generated client's handshake). */
  async handleHello(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.track(res);
    try {
      if (this.hello) throw new HttpRefusal(400, ErrorCode.PROTOCOL_ERROR, 'the handshake must be the first request of its connection');
      const body = await readBody(req, this.context.limits.maxFrameBytes);
      this.token = tokenOf(body);
      const welcome = await this.handshake(body);
      res.writeHead(200, { 'Content-Type': contentTypeOf('json'), 'Content-Length': String(welcome.length) }).end(welcome);
    } catch (error) {
      this.refuse(res, error);
    }
  }

  /** Runs one request: `kind` REQUEST (call), ONEWAY, SUBSCRIBE (events) or PING. */
  async serve(req: IncomingMessage, res: ServerResponse, kind: FrameKind, target: string): Promise<void> {
    this.track(res);
    try {
      await this.open(req);
    } catch (error) {
      this.refuse(res, error);
      // A refused handshake ends the connection (the node closes it); so does a change of token.
      if (error instanceof HttpRefusal && error.status === 401) this.end();
      return;
    }
    try {
      if (kind === FrameKind.SUBSCRIBE) return this.subscribe(res, target);
      await this.exchange(req, res, kind, target);
    } catch (error) {
      this.refuse(res, error);
    }
  }

  /** POST /<module>/<function>: a call or a one-way call, as the node's manifest says the function is. */
  async post(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    this.track(res);
    try {
      await this.open(req);
      const kind = await this.functionKind(target);
      if (kind === 'stream') {
        throw new HttpRefusal(501, ErrorCode.UNIMPLEMENTED, streamsNotOverHttp(target));
      }
      // A target the manifest does not name goes as a call: the node answers why it cannot serve it.
      await this.exchange(req, res, kind === 'oneway' ? FrameKind.ONEWAY : FrameKind.REQUEST, target);
    } catch (error) {
      this.refuse(res, error);
    }
  }

  /** call, oneway or stream, from the node's manifest (asked once per listener); undefined when not named there. */
  private async functionKind(target: string): Promise<string | undefined> {
    this.context.kinds ??= this.fetchKinds();
    try {
      return (await this.context.kinds).get(target);
    } catch {
      this.context.kinds = undefined; // asked again by the next request
      return undefined;
    }
  }

  private async fetchKinds(): Promise<Map<string, string>> {
    const id = this.nextId++;
    const answered = new Promise<Frame>((resolve) => this.answers.set(id, resolve));
    this.send({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: id, timeoutMs: 0, target: 'interop.control.manifest', payload: emptyParams('json') });
    const answer = await answered;
    if (answer.kind !== FrameKind.RESPONSE) throw new Error('no manifest');
    const manifest = JSON.parse(text.decode(answer.payload)) as { bundle: { roots?: string[]; modules: Array<{ name: string; functions: Array<{ name: string; kind: string }> }> } };
    const kinds = new Map<string, string>();
    for (const m of manifest.bundle.modules ?? []) {
      if (manifest.bundle.roots && !manifest.bundle.roots.includes(m.name)) continue;
      for (const f of m.functions ?? []) kinds.set(`${m.name}.${f.name}`, f.kind);
    }
    return kinds;
  }

  /** A REQUEST, ONEWAY or PING whose payload is the request body, streamed in as it arrives. */
  private async exchange(req: IncomingMessage, res: ServerResponse, kind: FrameKind, target: string): Promise<void> {
    const codec = kind === FrameKind.PING ? 'json' : codecOfContentType(req.headers['content-type']);
    if (codec === undefined) {
      throw new HttpRefusal(415, ErrorCode.INVALID_ARGUMENT, `Content-Type "${req.headers['content-type']}" is not a codec: send application/json, application/msgpack, application/x-protobuf or application/x-flatbuffers`);
    }
    const timeoutMs = kind === FrameKind.REQUEST ? deadlineOf(req) : 0;
    const declared = req.headers['content-length'];
    if (declared === undefined && req.headers['transfer-encoding'] !== undefined) {
      throw new HttpRefusal(411, ErrorCode.INVALID_ARGUMENT, 'send the body with a Content-Length (its size must be known before it is read, as a frame\'s is)');
    }
    let length = declared === undefined ? 0 : Number(declared);
    // An empty body is an empty parameter list, so that `curl -X POST` calls a function without parameters.
    const empty = length === 0 && kind !== FrameKind.PING ? emptyParams(codec) : undefined;
    if (empty) length = empty.length;

    // A one-way call has no correlation id; it waits under a negative key, for a refusal of its body.
    const oneway = kind === FrameKind.ONEWAY;
    const id = oneway ? -this.nextId++ : this.nextId++;
    const answered = new Promise<Frame>((resolve) => this.answers.set(id, resolve));
    const frameCodec = kind === FrameKind.PING ? CodecId.none : codecId(codec);
    const headBytes = encodeFrameHead({ kind, codec: frameCodec, flags: 0, correlation: oneway ? 0 : id, timeoutMs, target }, length);
    this.bodyInProgress = { id, oversized: headBytes.length - 4 + length > this.context.limits.maxFrameBytes };
    this.deliver(headBytes);
    const bodyDone = empty ? Promise.resolve(this.deliver(empty)) : pipeBody(req, (chunk) => this.deliver(chunk), () => this.answers.has(id));
    // The node may answer before the body is complete: a body over max_frame_bytes, or too slow.
    void bodyDone.then(() => {
      if (this.bodyInProgress?.id === id) this.bodyInProgress = undefined;
      if (oneway && this.answers.delete(id)) res.writeHead(202, { 'Content-Length': '0' }).end();
    });
    if (oneway) return this.writeAnswer(res, await answered);

    // This side is the caller of the node (docs/wire.md §6): its deadline passing, or the HTTP
    // caller hanging up, cancels the handler; the deadline answers DEADLINE_EXCEEDED.
    const cancel = (): boolean => {
      if (!this.answers.delete(id)) return false;
      this.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
      return true;
    };
    res.once('close', cancel);
    const timer = timeoutMs > 0 ? setTimeout(() => cancel() && this.writeAnswer(res, errorFrame({ code: ErrorCode.DEADLINE_EXCEEDED, message: `${target}: deadline of ${timeoutMs} ms exceeded` }, codec)), timeoutMs) : undefined;
    const answer = await answered;
    clearTimeout(timer);
    this.writeAnswer(res, answer);
  }

  /** GET /<module>/<event>: a SUBSCRIBE in JSON, then each EVENT as a Server-Sent Event. */
  private async subscribe(res: ServerResponse, target: string): Promise<void> {
    const id = this.nextId++;
    const answered = new Promise<Frame>((resolve) => this.answers.set(id, resolve));
    this.send({ kind: FrameKind.SUBSCRIBE, codec: CodecId.json, flags: 0, correlation: id, timeoutMs: 0, target, payload: EMPTY_PAYLOAD });
    const answer = await answered;
    if (answer.kind !== FrameKind.RESPONSE) return this.writeAnswer(res, answer);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });
    res.write(`: subscribed to ${target}\n\n`);
    this.streams.set(id, { target, res });
    res.once('close', () => {
      if (this.streams.delete(id)) this.send({ kind: FrameKind.UNSUBSCRIBE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target, payload: EMPTY_PAYLOAD });
    });
  }

  /** Writes the node's RESPONSE, PONG or ERROR as the HTTP answer. */
  private writeAnswer(res: ServerResponse, frame: Frame & { status?: number }): void {
    if (res.writableEnded || res.destroyed) return;
    const codec = codecNameOf(frame.codec) ?? 'json';
    if (frame.kind === FrameKind.ERROR) {
      let status = frame.status;
      if (status === undefined) {
        try {
          status = statusOfCode(decodeEnvelope(frame.payload, codec, this.context.limits.maxDepth).code);
        } catch {
          status = 500;
        }
      }
      if (status === 413 || status === 408 || this.ending) res.setHeader('Connection', 'close');
      res.writeHead(status, { 'Content-Type': contentTypeOf(codec), 'Content-Length': String(frame.payload.length) }).end(frame.payload);
      return;
    }
    if (frame.payload.length === 0) return void res.writeHead(204).end();
    const type = frame.kind === FrameKind.PONG ? 'application/octet-stream' : contentTypeOf(codec);
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': String(frame.payload.length) }).end(frame.payload);
  }

  /** Answers with a refusal the transport found itself, as a JSON envelope. */
  refuse(res: ServerResponse, error: unknown): void {
    const r = error instanceof HttpRefusal ? error : undefined;
    const env: ErrorEnvelope = isEnvelope(error)
      ? error
      : error instanceof InteropError
        ? { code: error.code, message: error.message }
        : { code: r?.code ?? ErrorCode.INTERNAL, message: error instanceof Error ? error.message : String(error) };
    this.writeAnswer(res, { ...errorFrame(env), ...(r ? { status: r.status } : {}) });
  }
}

/** The token of a HELLO, compared with the Authorization of the connection's later requests. */
function tokenOf(hello: Uint8Array): string | undefined {
  try {
    const doc = JSON.parse(text.decode(hello)) as { token?: unknown };
    return typeof doc.token === 'string' ? doc.token : undefined;
  } catch {
    return undefined; // the node refuses it, in words
  }
}

function isEnvelope(v: unknown): v is ErrorEnvelope {
  return typeof v === 'object' && v !== null && !(v instanceof Error) && typeof (v as ErrorEnvelope).code === 'number';
}

function errorFrame(env: ErrorEnvelope, codec: CodecName = 'json'): Frame {
  return { kind: FrameKind.ERROR, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: encodeEnvelope(env, codec) };
}

/** The parameters of a function called with an empty body: an empty struct. */
function emptyParams(codec: CodecName): Uint8Array {
  return emptyStruct(codec);
}

/** The Interop-Timeout-Ms header as the REQUEST's timeout_ms (0: none). */
function deadlineOf(req: IncomingMessage): number {
  const raw = req.headers[TIMEOUT_HEADER];
  if (raw === undefined) return 0;
  const value = Array.isArray(raw) ? raw[0]! : raw;
  if (!/^[0-9]{1,10}$/.test(value) || Number(value) < 1 || Number(value) > 2147483647) {
    throw new HttpRefusal(400, ErrorCode.INVALID_ARGUMENT, `Interop-Timeout-Ms: expected a whole number of milliseconds from 1 to 2147483647, got "${value}"`);
  }
  return Number(value);
}

/** Passes the body on chunk by chunk while `wanted()`; resolves at its end (or when the request closes). */
function pipeBody(req: IncomingMessage, sink: (chunk: Uint8Array) => void, wanted: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    req.on('data', (chunk: Buffer) => {
      if (wanted()) sink(chunk);
    });
    req.once('end', resolve);
    req.once('close', resolve);
  });
}

/** A whole small body (a HELLO), refused past `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > max) throw new HttpRefusal(413, ErrorCode.RESOURCE_EXHAUSTED, `body larger than max_frame_bytes ${max}`);
    parts.push(chunk);
  }
  return Buffer.concat(parts);
}
