// Dialing http:// and https:// (docs/transports.md, "HTTP"): a ByteChannel that turns the frames a
// Connection writes into HTTP requests and the answers back into frames, so that a generated
// client uses HTTP like any other transport. HELLO is POSTed to /.well-known/interop/hello (the
// node answers with its WELCOME); REQUEST, ONEWAY and PING are POSTs; SUBSCRIBE is a GET whose
// Server-Sent Events become EVENT frames; CANCEL and UNSUBSCRIBE abort their request. A request
// that cannot reach the node closes the channel, as a broken socket would: pending calls fail with
// UNAVAILABLE and the link dials again, renewing its subscriptions.

import { readFileSync } from 'node:fs';
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { ErrorCode } from '../../errors.js';
import type { CodecName } from '../../module.js';
import { FrameDecoder, FrameError } from '../../wire/decoder.js';
import { encodeEnvelope } from '../../wire/envelope.js';
import { CodecId, EMPTY_PAYLOAD, encodeFrame, type Frame, FrameFlag, FrameKind, codecId, codecNameOf } from '../../wire/frame.js';
import { DEFAULT_LIMITS, type Limits } from '../../wire/limits.js';
import type { ByteChannel, ChannelHandlers, ConnectOptions } from '../types.js';
import type { WebAddress } from './address.js';
import { why } from './dial-ws.js';
import { OWN_FRAMES } from './http-channel.js';
import { codeOfStatus, contentTypeOf, HELLO_PATH, JSON_TYPE, MSGPACK_TYPE, pathOfTarget, PROTOBUF_TYPE, FLATBUFFERS_TYPE, PING_PATH, streamsNotOverHttp, TIMEOUT_HEADER } from './http-mapping.js';

const text = new TextDecoder();

export class HttpClientChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private closed = false;
  private ending = false;
  private readonly decoder: FrameDecoder;
  private readonly agent: HttpAgent;
  private token: string | undefined;
  /** Requests in flight by the correlation id of their exchange (a SUBSCRIBE's too). */
  private readonly inFlight = new Map<number, ClientRequest>();
  /** Event streams by target, with the SUBSCRIBE's id. */
  private readonly streams = new Map<string, number>();
  private paused = false;
  private readonly held: Uint8Array[] = [];

  constructor(
    readonly description: string,
    private readonly address: WebAddress,
    private readonly limits: Limits,
    private readonly ca: Buffer | undefined,
  ) {
    this.decoder = new FrameDecoder(OWN_FRAMES); // this node's own frames: not a peer's limits
    this.agent = address.tls ? new HttpsAgent({ keepAlive: true, ...(ca ? { ca } : {}) }) : new HttpAgent({ keepAlive: true });
  }

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed) return false;
    for (const chunk of chunks) {
      for (const item of this.decoder.push(chunk)) if (!(item instanceof FrameError)) this.onFrame(item);
    }
    return true;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    for (const bytes of this.held.splice(0)) this.handlers?.data(bytes);
  }

  end(): void {
    this.ending = true;
    if (this.inFlight.size === this.streams.size) this.finish();
  }

  destroy(error?: Error): void {
    this.finish(error);
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const req of this.inFlight.values()) req.destroy();
    this.inFlight.clear();
    this.agent.destroy();
    this.handlers?.close(error);
  }

  private deliver(frame: Frame): void {
    if (this.closed) return;
    const bytes = encodeFrame(frame);
    if (this.paused) this.held.push(bytes);
    else this.handlers?.data(bytes);
  }

  private onFrame(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.HELLO:
        this.token = tokenOf(frame.payload);
        return this.post(frame, HELLO_PATH, JSON_TYPE, { agent: false });
      case FrameKind.REQUEST:
        if (frame.flags & (FrameFlag.STREAM_IN | FrameFlag.STREAM_OUT)) return this.refuseStream(frame);
        return this.post(frame, pathOfTarget(frame.target), contentTypeOf(codecNameOf(frame.codec) ?? 'json'));
      case FrameKind.ONEWAY:
        return this.post(frame, pathOfTarget(frame.target), contentTypeOf(codecNameOf(frame.codec) ?? 'json'));
      case FrameKind.PING:
        return this.post(frame, PING_PATH, 'application/octet-stream');
      case FrameKind.SUBSCRIBE:
        return this.subscribe(frame);
      case FrameKind.UNSUBSCRIBE: {
        const id = this.streams.get(frame.target);
        return id === undefined ? undefined : this.abort(id);
      }
      case FrameKind.CANCEL:
        return this.abort(frame.correlation);
      case FrameKind.GOODBYE:
        return this.end();
    }
  }

  /**
   * A stream is answered here, before anything is sent: UNIMPLEMENTED, as the node would answer its
   * POST (ADR 0023). Its other frames (credit, items, end) name no request and are dropped below.
   * Answered in a later turn, as an answer from the network would be.
   */
  private refuseStream(frame: Frame): void {
    const codec = codecNameOf(frame.codec) ?? 'json';
    const payload = encodeEnvelope({ code: ErrorCode.UNIMPLEMENTED, message: streamsNotOverHttp(frame.target) }, codec);
    queueMicrotask(() => this.deliver({ ...frame, kind: FrameKind.ERROR, flags: 0, timeoutMs: 0, payload }));
  }

  private abort(id: number): void {
    const req = this.inFlight.get(id);
    if (!req) return;
    this.inFlight.delete(id);
    for (const [target, sid] of this.streams) if (sid === id) this.streams.delete(target);
    req.destroy();
    if (this.ending) this.end();
  }

  private open(frame: Frame, method: 'GET' | 'POST', path: string, headers: OutgoingHttpHeaders, extra: { agent?: false } = {}): ClientRequest {
    const options = {
      method,
      host: this.address.host,
      port: this.address.port,
      path: `${this.address.path}${path}`,
      headers: { ...headers, ...(this.token !== undefined ? { Authorization: `Bearer ${this.token}` } : {}) },
      agent: extra.agent ?? this.agent,
      ...(this.ca ? { ca: this.ca } : {}),
    };
    const req = this.address.tls ? httpsRequest(options) : httpRequest(options);
    // A node that cannot be reached, or a connection cut: the channel closes, as a socket's would.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (frame.kind === FrameKind.HELLO) {
        // The HELLO's POST is the connect: its failure answers the HELLO, in words.
        this.deliver({ ...frame, kind: FrameKind.ERROR, payload: encodeEnvelope({ code: ErrorCode.UNAVAILABLE, message: `cannot connect to ${this.description}: ${why(error)}` }, 'json') });
        return this.finish();
      }
      if (this.inFlight.get(frame.correlation) !== req && frame.kind !== FrameKind.ONEWAY) return; // aborted by us
      this.finish(new Error(`${this.description}: ${why(error)}`));
    });
    if (frame.kind !== FrameKind.ONEWAY && frame.kind !== FrameKind.HELLO) this.inFlight.set(frame.correlation, req);
    return req;
  }

  /** A POST whose body is the frame's payload, answered by one frame. */
  private post(frame: Frame, path: string, contentType: string, extra: { agent?: false } = {}): void {
    const headers: OutgoingHttpHeaders = { 'Content-Type': contentType, 'Content-Length': String(frame.payload.length) };
    if (frame.timeoutMs > 0) headers[TIMEOUT_HEADER] = String(frame.timeoutMs);
    const req = this.open(frame, 'POST', path, headers, extra);
    req.on('response', (res: IncomingMessage) => {
      void readAll(res, this.limits.maxFrameBytes).then((body) => {
        if (frame.kind === FrameKind.ONEWAY) return; // 202, or a refusal the node counted
        if (frame.kind !== FrameKind.HELLO && this.inFlight.get(frame.correlation) !== req) return; // cancelled meanwhile
        this.inFlight.delete(frame.correlation);
        this.deliver(answerFrame(frame, res, body));
        if (this.ending) this.end();
      }, (error: Error) => this.finish(error));
    });
    req.end(frame.payload);
  }

  /** A GET whose Server-Sent Events become EVENT frames until UNSUBSCRIBE, CANCEL or close. */
  private subscribe(frame: Frame): void {
    const req = this.open(frame, 'GET', pathOfTarget(frame.target), { Accept: 'text/event-stream' });
    this.streams.set(frame.target, frame.correlation);
    req.on('response', (res: IncomingMessage) => {
      if (res.statusCode !== 200) {
        void readAll(res, this.limits.maxFrameBytes).then((body) => {
          this.inFlight.delete(frame.correlation);
          this.streams.delete(frame.target);
          this.deliver(answerFrame(frame, res, body));
        });
        return;
      }
      this.deliver({ ...frame, kind: FrameKind.RESPONSE, payload: EMPTY_PAYLOAD });
      const module = frame.target.slice(0, frame.target.lastIndexOf('.'));
      const parser = new EventStreamParser(this.limits.maxFrameBytes, (event, data) => {
        this.deliver({ kind: FrameKind.EVENT, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: `${module}.${event}`, payload: new TextEncoder().encode(data) });
      });
      res.on('data', (chunk: Buffer) => {
        if (!parser.push(text.decode(chunk, { stream: true }))) res.destroy(new Error('an event larger than max_frame_bytes'));
      });
      res.once('close', () => {
        // The stream ended while still wanted: the node went away; closing lets the link renew it.
        if (this.inFlight.get(frame.correlation) === req) this.finish(new Error(`${this.description}: the event stream ${frame.target} ended`));
      });
    });
    req.end();
  }
}

/** The frame answering `frame` from an HTTP answer: its body as the payload, or an envelope made from the status. */
function answerFrame(frame: Frame, res: IncomingMessage, body: Uint8Array): Frame {
  const status = res.statusCode ?? 0;
  const type = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
  const codec: CodecName | undefined = type === JSON_TYPE ? 'json' : type === MSGPACK_TYPE ? 'msgpack' : type === PROTOBUF_TYPE ? 'protobuf' : type === FLATBUFFERS_TYPE ? 'flatbuffers' : undefined;
  const base = { flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target };
  if (status >= 200 && status < 300) {
    if (frame.kind === FrameKind.HELLO) return { ...base, kind: FrameKind.WELCOME, codec: CodecId.json, payload: body };
    if (frame.kind === FrameKind.PING) return { ...base, kind: FrameKind.PONG, codec: CodecId.none, payload: body };
    return { ...base, kind: FrameKind.RESPONSE, codec: status === 204 ? frame.codec : codecId(codec ?? 'msgpack'), payload: body };
  }
  if (codec !== undefined) return { ...base, kind: FrameKind.ERROR, codec: codecId(codec), payload: body };
  // Not an interop answer (a proxy's page, say): its status in words.
  const what = text.decode(body.subarray(0, 200)).split(/\r?\n/)[0] ?? '';
  const payload = encodeEnvelope({ code: codeOfStatus(status), message: `HTTP ${status} ${res.statusMessage ?? ''}${what ? `: ${what}` : ''}` }, 'json');
  return { ...base, kind: FrameKind.ERROR, codec: CodecId.json, payload };
}

function readAll(res: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    res.on('data', (chunk: Buffer) => {
      n += chunk.length;
      if (n > max + 4) return res.destroy(new Error(`an answer larger than max_frame_bytes ${max}`));
      parts.push(chunk);
    });
    res.once('end', () => resolve(Buffer.concat(parts)));
    res.once('error', reject);
  });
}

function tokenOf(hello: Uint8Array): string | undefined {
  try {
    const token = (JSON.parse(text.decode(hello)) as { token?: unknown }).token;
    return typeof token === 'string' ? token : undefined;
  } catch {
    return undefined;
  }
}

/** Reads text/event-stream (the WHATWG "server-sent events" format): `event:` and `data:` fields, an event per blank line. */
export class EventStreamParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];

  constructor(
    private readonly maxLine: number,
    private readonly emit: (event: string, data: string) => void,
  ) {}

  /** False when a line grows past the limit. */
  push(chunk: string): boolean {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, nl);
      this.buffer = this.buffer.slice(nl + (this.buffer.startsWith('\r\n', nl) ? 2 : 1));
      this.line(line);
    }
    return this.buffer.length <= this.maxLine;
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0 || this.event !== '') this.emit(this.event || 'message', this.data.join('\n'));
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

export function dialHttp(address: WebAddress, description: string, options?: ConnectOptions): Promise<ByteChannel> {
  let ca: Buffer | undefined;
  if (options?.ca !== undefined) {
    try {
      ca = readFileSync(options.ca);
    } catch (error) {
      return Promise.reject(new Error(`ca: cannot read ${options.ca}: ${(error as Error).message}`));
    }
  }
  // Nothing to dial yet: the HELLO's POST is the first request, and its failure the connect's.
  return Promise.resolve(new HttpClientChannel(description, address, options?.limits ?? DEFAULT_LIMITS, ca));
}

