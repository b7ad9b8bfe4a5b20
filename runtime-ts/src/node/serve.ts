// The serving side of a connection: REQUEST, ONEWAY, CANCEL, SUBSCRIBE and UNSUBSCRIBE frames
// from the peer, dispatched to the hosted modules' handler objects (docs/wire.md §1, §3.3, §6).
//
// A CANCEL names a request being handled, an answer still waiting to be written, or a SUBSCRIBE
// whose caller gave up: that subscription is withdrawn (docs/wire.md §1.1), so a subscribe that
// timed out on the peer's side leaves nothing behind here.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CodecName, FunctionDescriptor } from '../module.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameFlag, FrameKind, codecId, codecNameOf, splitTarget } from '../wire/frame.js';
import { CONTROL_MODULE } from '../wire/handshake.js';
import { canonicalJson } from '../wire/canonical-json.js';
import { envelopeForHandlerError, invalidResult } from './call-errors.js';
import { Deadline, deadlines } from './deadlines.js';
import type { Connection } from './connection.js';
import type { Writer } from './outbound.js';
import { bump, type HostedModule } from './services.js';
import { streamFlags } from './stream-frames.js';
import { serveStream } from './stream-serve.js';

/** A request being handled. `abort` signals the handler; nothing more is sent for its id. */
export interface ActiveCall {
  abort(reason: InteropError): void;
  /** A STREAM_ITEM, STREAM_END or STREAM_CREDIT from the caller for this exchange. */
  onStreamFrame(frame: Frame): void;
  /** The caller broke the rules of docs/wire.md §1.5: ends the exchange with ERROR `error`. */
  breakOff(error: InteropError): void;
}

export interface ServerState {
  active: Map<number, ActiveCall>;
  /** Targets the peer subscribed to ("module.event" or "module.*"), with the codec its EVENTs go in. */
  remoteSubs: Map<string, CodecName>;
  /**
   * The correlation id of the SUBSCRIBE that registered each subscription, both ways, so that a
   * CANCEL with that id withdraws it; forgotten once the peer starts another exchange with the id.
   */
  subscribedBy: Map<string, number>;
  subscribeIds: Map<number, string>;
  removeSink: (() => void) | undefined;
}

const utf8 = new TextEncoder();

function fail(conn: Connection, frame: Frame, codec: CodecName, code: number, message: string): void {
  conn.sendError(frame.correlation, frame.target, codec, { code, message });
}

/** Resolves a REQUEST/ONEWAY target to its module, function and handler method, or answers why not. */
function resolveFunction(conn: Connection, frame: Frame, codec: CodecName, kind: 'call' | 'oneway' | 'stream', parts = splitTarget(frame.target)) {
  const answer = (code: number, msg: string) => {
    if (kind === 'call') fail(conn, frame, codec, code, msg);
    else conn.options.debug?.(`dropped ONEWAY: ${msg}`);
  };
  if (!parts) return answer(ErrorCode.NOT_FOUND, `bad target "${frame.target}"`);
  const hosted = conn.options.offerModules === false ? undefined : conn.services.module(parts.module);
  if (!hosted) return answer(ErrorCode.NOT_FOUND, `module ${parts.module} is not served here`);
  const fns = hosted.descriptor.functions;
  const fn = Object.prototype.hasOwnProperty.call(fns, parts.member) ? fns[parts.member] : undefined;
  if (!fn) return answer(ErrorCode.UNIMPLEMENTED, `${frame.target} is not a function of ${parts.module}`);
  if (fn.kind !== kind) return answer(ErrorCode.INVALID_ARGUMENT, `${frame.target} is a ${fn.kind} function, sent as ${kind}`);
  // A stream's REQUEST names its directions; they must be the function's (docs/wire.md §1.5).
  const directions = frame.flags & (FrameFlag.STREAM_IN | FrameFlag.STREAM_OUT);
  if (kind === 'stream' && directions !== streamFlags(fn)) return answer(ErrorCode.INVALID_ARGUMENT, `${frame.target}: the REQUEST's stream directions do not match the function's`);
  const method = (hosted.handlers as Record<string, unknown>)[fn.method];
  if (typeof method !== 'function') return answer(ErrorCode.UNIMPLEMENTED, `${frame.target} has no implementation (${fn.method})`);
  return { hosted, fn, method: method as (...args: unknown[]) => unknown };
}

/** Calls a handler method with the decoded arguments and the context, without spreading short argument lists. */
export function invoke(method: (...args: unknown[]) => unknown, handlers: object, args: unknown[], ctx: CallContext): unknown {
  switch (args.length) {
    case 0:
      return method.call(handlers, ctx);
    case 1:
      return method.call(handlers, args[0], ctx);
    case 2:
      return method.call(handlers, args[0], args[1], ctx);
    default:
      return method.call(handlers, ...args, ctx);
  }
}

export function serveFrame(conn: Connection, frame: Frame): void {
  switch (frame.kind) {
    case FrameKind.REQUEST:
      forgetSubscribeId(conn, frame.correlation);
      return serveRequest(conn, frame);
    case FrameKind.ONEWAY:
      return serveOneway(conn, frame);
    case FrameKind.CANCEL:
      return serveCancel(conn, frame.correlation);
    case FrameKind.SUBSCRIBE:
      forgetSubscribeId(conn, frame.correlation);
      return serveSubscribe(conn, frame);
    case FrameKind.UNSUBSCRIBE:
      return unsubscribe(conn, frame.target);
  }
}

function serveCancel(conn: Connection, correlation: number): void {
  const call = conn.server.active.get(correlation);
  if (call) return call.abort(new InteropError(ErrorCode.CANCELLED, 'cancelled by the caller'));
  // An answer still waiting for the peer to read is withdrawn (a PONG, a refusal, a SUBSCRIBE's
  // RESPONSE, …); a subscription its SUBSCRIBE registered is withdrawn too (docs/wire.md §1.1).
  const withdrawn = conn.withdrawAnswer(correlation);
  const target = conn.server.subscribeIds.get(correlation);
  if (target !== undefined) return unsubscribe(conn, target);
  if (!withdrawn) bump(conn.services.counters, 'late_cancels');
}

/** Ends the peer's subscription to `target` (UNSUBSCRIBE, or a CANCEL of its SUBSCRIBE): nothing more is sent for it. */
function unsubscribe(conn: Connection, target: string): void {
  const server = conn.server;
  server.remoteSubs.delete(target);
  const id = server.subscribedBy.get(target);
  if (id !== undefined) {
    server.subscribedBy.delete(target);
    server.subscribeIds.delete(id);
  }
  conn.dropEventBacklog(target);
  if (server.remoteSubs.size === 0) {
    server.removeSink?.();
    server.removeSink = undefined;
  }
}

/**
 * The peer starts an exchange with `correlation` (REQUEST, SUBSCRIBE, PING): a CANCEL with that id
 * now means the new exchange, no longer the SUBSCRIBE that had it, whose subscription stays.
 */
export function forgetSubscribeId(conn: Connection, correlation: number): void {
  const server = conn.server;
  if (server.subscribeIds.size === 0) return;
  const target = server.subscribeIds.get(correlation);
  if (target === undefined) return;
  server.subscribeIds.delete(correlation);
  server.subscribedBy.delete(target);
}

function serveControl(conn: Connection, frame: Frame, member: string): void {
  const doc = conn.services.control(member);
  if (doc === undefined) return fail(conn, frame, 'json', ErrorCode.UNIMPLEMENTED, `${frame.target} is not a control function`);
  conn.answer({ kind: FrameKind.RESPONSE, codec: CodecId.json, flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target, payload: utf8.encode(canonicalJson(doc)) });
}

function serveRequest(conn: Connection, frame: Frame): void {
  const codec = codecNameOf(frame.codec);
  if (!codec) return fail(conn, frame, 'json', ErrorCode.PROTOCOL_ERROR, 'a REQUEST needs the json or msgpack codec');
  const { active } = conn.server;
  if (active.has(frame.correlation)) return fail(conn, frame, codec, ErrorCode.PROTOCOL_ERROR, `correlation ${frame.correlation} is already in flight`);
  if (active.size >= conn.options.limits.maxInFlight) {
    bump(conn.services.counters, 'rejected_requests');
    return fail(conn, frame, codec, ErrorCode.RESOURCE_EXHAUSTED, `more than max_in_flight ${conn.options.limits.maxInFlight} requests outstanding`);
  }
  const parts = splitTarget(frame.target);
  if (parts?.module === CONTROL_MODULE) return serveControl(conn, frame, parts.member);
  const isStream = (frame.flags & (FrameFlag.STREAM_IN | FrameFlag.STREAM_OUT)) !== 0;
  const found = resolveFunction(conn, frame, codec, isStream ? 'stream' : 'call', parts);
  if (!found) return;
  const { hosted, fn, method } = found;
  let args: unknown[];
  try {
    args = fn.params.decode(frame.payload, codec, conn.options.limits);
  } catch (error) {
    const code = error instanceof InteropError ? error.code : ErrorCode.INVALID_ARGUMENT;
    return fail(conn, frame, codec, code, `${frame.target}: parameters do not decode: ${error instanceof Error ? error.message : String(error)}`);
  }

  if (isStream) return serveStream(conn, frame, codec, hosted, fn, method, args);
  const call = new ServedCall(conn, frame, codec, hosted, fn);
  active.set(frame.correlation, call);
  if (frame.timeoutMs > 0) deadlines.add(call, frame.timeoutMs);
  let result: unknown;
  try {
    result = invoke(method, hosted.handlers, args, call);
  } catch (error) {
    result = Promise.reject(error);
  }
  Promise.resolve(result).then(
    (value) => call.succeed(value),
    (error: unknown) => call.fail(error),
  );
}

/**
 * A request being handled: its entry in the active table, its deadline (on the shared deadline
 * queue) and the handler's context. Most handlers never look at ctx.signal, so its
 * AbortController is created only when one does, already aborted if the call was.
 */
class ServedCall extends Deadline implements ActiveCall, CallContext {
  readonly peer: string;
  private finished = false;
  private controller: AbortController | undefined;
  private abortReason: InteropError | undefined;
  private wallDeadline: number | undefined;
  /** Set while the answer waits for the peer to read (keeping the in-flight slot meanwhile). */
  private waiting: (Writer & { send: () => void }) | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly frame: Frame,
    private readonly codec: CodecName,
    private readonly hosted: HostedModule,
    private readonly fn: FunctionDescriptor,
  ) {
    super();
    this.peer = conn.peer.node;
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The caller's deadline on this side's clock (Date.now() scale), or undefined when it sent none. */
  get deadline(): number | undefined {
    if (this.frame.timeoutMs === 0) return undefined;
    this.wallDeadline ??= Math.round(Date.now() + (this.expiresAt - performance.now()));
    return this.wallDeadline;
  }

  onDeadline(): void {
    this.abort(new InteropError(ErrorCode.DEADLINE_EXCEEDED, 'deadline passed'));
  }

  abort(reason: InteropError): void {
    if (this.finished) return;
    this.end();
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** A stream frame for a call breaks the rules (docs/wire.md §1.5): the call ends with PROTOCOL_ERROR. */
  onStreamFrame(): void {
    bump(this.conn.services.counters, 'rejected_frames');
    this.breakOff(new InteropError(ErrorCode.PROTOCOL_ERROR, `${this.frame.target}: a stream frame for a call`));
  }

  breakOff(error: InteropError): void {
    if (this.finished) return;
    this.abort(error);
    this.conn.sendError(this.frame.correlation, this.frame.target, this.codec, { code: error.code, message: error.message });
  }

  succeed(value: unknown): void {
    if (this.finished) return;
    if (!this.conn.writableNow()) return this.wait(() => respond(this.conn, this.frame, this.codec, this.fn, value));
    respond(this.conn, this.frame, this.codec, this.fn, value);
    this.end(); // after queuing the answer: end() may finish a goodbye and close the channel
  }

  fail(error: unknown): void {
    if (this.finished) return;
    bump(this.conn.services.counters, 'handler_errors');
    const send = () => this.conn.sendError(this.frame.correlation, this.frame.target, this.codec, envelopeForHandlerError(this.hosted.descriptor, this.fn, error, this.codec));
    if (!this.conn.writableNow()) return this.wait(send);
    send();
    this.end();
  }

  /**
   * The peer is not reading: the handler's answer waits here and keeps its in-flight slot, so the
   * peer's further requests are refused rather than answered into a full buffer (docs/wire.md §5).
   * The deadline and a CANCEL still apply while it waits.
   */
  private wait(send: () => void): void {
    this.waiting = {
      send,
      write: () => {
        const waiting = this.waiting;
        this.waiting = undefined;
        if (this.finished || waiting === undefined) return;
        waiting.send();
        this.end();
      },
    };
    this.conn.addWriter(this.waiting);
  }

  private end(): void {
    this.finished = true;
    deadlines.finish(this);
    if (this.waiting !== undefined) {
      this.conn.removeWriter(this.waiting);
      this.waiting = undefined;
    }
    const active = this.conn.server.active;
    if (active.get(this.frame.correlation) === this) active.delete(this.frame.correlation);
    this.conn.maybeFinishClose();
  }
}

function respond(conn: Connection, frame: Frame, codec: CodecName, fn: FunctionDescriptor, value: unknown): void {
  let payload = EMPTY_PAYLOAD;
  if (fn.result) {
    try {
      payload = fn.result.encode(value, codec);
    } catch (error) {
      bump(conn.services.counters, 'handler_errors');
      const invalid = invalidResult(fn, error);
      conn.sendError(frame.correlation, frame.target, codec, { code: invalid.code, message: invalid.message });
      return;
    }
  }
  // Answered in the request's codec, also when the payload is empty (docs/wire.md §1.2).
  bump(conn.services.counters, 'requests_served');
  conn.send({ kind: FrameKind.RESPONSE, codec: codecId(codec), flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target, payload });
}

function serveOneway(conn: Connection, frame: Frame): void {
  const codec = codecNameOf(frame.codec);
  if (!codec) return bump(conn.services.counters, 'dropped_oneways');
  const { active } = conn.server;
  // One-way calls share the in-flight budget; the excess cannot be answered, so it is counted.
  if (active.size >= conn.options.limits.maxInFlight) return bump(conn.services.counters, 'dropped_oneways');
  const found = resolveFunction(conn, frame, codec, 'oneway');
  if (!found) return bump(conn.services.counters, 'dropped_oneways');
  const { hosted, fn, method } = found;
  let args: unknown[];
  try {
    args = fn.params.decode(frame.payload, codec, conn.options.limits);
  } catch {
    return bump(conn.services.counters, 'dropped_oneways');
  }
  const key = -(++onewaySeq); // negative keys never collide with correlation ids
  const ctx = new OnewayContext(conn.peer.node);
  active.set(key, ctx);
  let result: unknown;
  try {
    result = invoke(method, hosted.handlers, args, ctx);
  } catch (error) {
    result = Promise.reject(error);
  }
  Promise.resolve(result)
    .catch((error: unknown) => {
      bump(conn.services.counters, 'handler_errors');
      conn.options.debug?.(`one-way ${frame.target} failed: ${String(error)}`);
    })
    .finally(() => {
      active.delete(key);
      conn.maybeFinishClose();
    });
}
let onewaySeq = 0;

/** The context of a one-way call: aborted only when the connection closes; its AbortController made when read. */
class OnewayContext implements ActiveCall, CallContext {
  private controller: AbortController | undefined;
  private abortReason: InteropError | undefined;

  constructor(readonly peer: string) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  abort(reason: InteropError): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** Never called: one-way calls are kept under negative keys, which no correlation id names. */
  onStreamFrame(): void {}
  breakOff(): void {}
}

function serveSubscribe(conn: Connection, frame: Frame): void {
  // SUBSCRIBE names the codec its EVENTs are wanted in; a peer that sent none gets the codec this
  // side sends in (one the peer listed as decodable).
  const codec = codecNameOf(frame.codec) ?? conn.peer.sendCodec;
  const parts = splitTarget(frame.target);
  const hosted = parts && conn.options.offerModules !== false ? conn.services.module(parts.module) : undefined;
  if (!parts || !hosted) return fail(conn, frame, codec, ErrorCode.NOT_FOUND, `no module serves events "${frame.target}" here`);
  if (parts.member !== '*' && !Object.prototype.hasOwnProperty.call(hosted.descriptor.events, parts.member)) {
    return fail(conn, frame, codec, ErrorCode.NOT_FOUND, `${parts.module} has no event ${parts.member}`);
  }
  const server = conn.server;
  server.remoteSubs.set(frame.target, codec);
  // This SUBSCRIBE now names the subscription: a CANCEL with its id withdraws it (docs/wire.md §1.1).
  const before = server.subscribedBy.get(frame.target);
  if (before !== undefined) server.subscribeIds.delete(before);
  server.subscribedBy.set(frame.target, frame.correlation);
  server.subscribeIds.set(frame.correlation, frame.target);
  server.removeSink ??= conn.services.hub.add(conn.eventSink);
  conn.answer({ kind: FrameKind.RESPONSE, codec: frame.codec, flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target, payload: EMPTY_PAYLOAD });
}
