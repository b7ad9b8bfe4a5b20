// The serving side of a connection: REQUEST, ONEWAY, CANCEL, SUBSCRIBE and UNSUBSCRIBE frames
// from the peer, dispatched to the hosted modules' handler objects (docs/wire.md §1, §3.3, §6).

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CodecName, FunctionDescriptor } from '../module.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameKind, codecId, codecNameOf, splitTarget } from '../wire/frame.js';
import { CONTROL_MODULE } from '../wire/handshake.js';
import { canonicalJson } from '../wire/json-scan.js';
import { envelopeForHandlerError } from './call-errors.js';
import type { Connection } from './connection.js';
import { bump, type HostedModule } from './services.js';

/** A request being handled. `abort` signals the handler; nothing more is sent for its id. */
export interface ActiveCall {
  abort(reason: InteropError): void;
}

export interface ServerState {
  active: Map<number, ActiveCall>;
  /** Targets the peer subscribed to ("module.event" or "module.*"), with the codec its EVENTs go in. */
  remoteSubs: Map<string, CodecName>;
  removeSink: (() => void) | undefined;
  /** Events waiting while the transport is congested, per subscription. */
  eventBacklog: Map<string, Frame[]>;
}

const utf8 = new TextEncoder();

function fail(conn: Connection, frame: Frame, codec: CodecName, code: number, message: string): void {
  conn.sendError(frame.correlation, frame.target, codec, { code, message });
}

/** Resolves a REQUEST/ONEWAY target to its module, function and handler method, or answers why not. */
function resolveFunction(conn: Connection, frame: Frame, codec: CodecName, kind: 'call' | 'oneway') {
  const parts = splitTarget(frame.target);
  const answer = kind === 'call' ? (code: number, msg: string) => fail(conn, frame, codec, code, msg) : (_c: number, msg: string) => conn.options.debug?.(`dropped ONEWAY: ${msg}`);
  if (!parts) return answer(ErrorCode.NOT_FOUND, `bad target "${frame.target}"`);
  const hosted = conn.options.offerModules === false ? undefined : conn.services.module(parts.module);
  if (!hosted) return answer(ErrorCode.NOT_FOUND, `module ${parts.module} is not served here`);
  const fns = hosted.descriptor.functions;
  const fn = Object.prototype.hasOwnProperty.call(fns, parts.member) ? fns[parts.member] : undefined;
  if (!fn) return answer(ErrorCode.UNIMPLEMENTED, `${frame.target} is not a function of ${parts.module}`);
  if (fn.kind !== kind) return answer(ErrorCode.INVALID_ARGUMENT, `${frame.target} is a ${fn.kind} function, sent as ${kind}`);
  const method = (hosted.handlers as Record<string, unknown>)[fn.method];
  if (typeof method !== 'function') return answer(ErrorCode.UNIMPLEMENTED, `${frame.target} has no implementation (${fn.method})`);
  return { hosted, fn, method: method as (...args: unknown[]) => unknown };
}

export function serveFrame(conn: Connection, frame: Frame): void {
  switch (frame.kind) {
    case FrameKind.REQUEST:
      return serveRequest(conn, frame);
    case FrameKind.ONEWAY:
      return serveOneway(conn, frame);
    case FrameKind.CANCEL: {
      const call = conn.server.active.get(frame.correlation);
      if (!call) return bump(conn.services.counters, 'late_cancels');
      return call.abort(new InteropError(ErrorCode.CANCELLED, 'cancelled by the caller'));
    }
    case FrameKind.SUBSCRIBE:
      return serveSubscribe(conn, frame);
    case FrameKind.UNSUBSCRIBE:
      conn.server.remoteSubs.delete(frame.target);
      conn.server.eventBacklog.delete(frame.target);
      if (conn.server.remoteSubs.size === 0) {
        conn.server.removeSink?.();
        conn.server.removeSink = undefined;
      }
      return;
  }
}

function serveControl(conn: Connection, frame: Frame, member: string): void {
  const doc = conn.services.control(member);
  if (doc === undefined) return fail(conn, frame, 'json', ErrorCode.UNIMPLEMENTED, `${frame.target} is not a control function`);
  conn.send({ kind: FrameKind.RESPONSE, codec: CodecId.json, flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target, payload: utf8.encode(canonicalJson(doc)) });
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
  const found = resolveFunction(conn, frame, codec, 'call');
  if (!found) return;
  const { hosted, fn, method } = found;
  let args: unknown[];
  try {
    args = fn.params.decode(frame.payload, codec, conn.options.limits);
  } catch (error) {
    const code = error instanceof InteropError ? error.code : ErrorCode.INVALID_ARGUMENT;
    return fail(conn, frame, codec, code, `${frame.target}: parameters do not decode: ${error instanceof Error ? error.message : String(error)}`);
  }

  const id = frame.correlation;
  // Most handlers never look at ctx.signal: create the AbortController only when one does.
  let controller: AbortController | undefined;
  let abortReason: InteropError | undefined;
  let finished = false;
  const deadline = frame.timeoutMs > 0 ? Date.now() + frame.timeoutMs : undefined;
  const end = () => {
    finished = true;
    clearTimeout(timer);
    if (active.get(id) === entry) active.delete(id);
    conn.maybeFinishClose();
  };
  const entry: ActiveCall = {
    abort: (reason) => {
      if (finished) return;
      end();
      abortReason = reason;
      controller?.abort(reason);
    },
  };
  const timer = deadline !== undefined ? setTimeout(() => entry.abort(new InteropError(ErrorCode.DEADLINE_EXCEEDED, 'deadline passed')), frame.timeoutMs) : undefined;
  active.set(id, entry);
  const ctx: CallContext = {
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (abortReason) controller.abort(abortReason);
      }
      return controller.signal;
    },
    peer: conn.peer.node,
    ...(deadline !== undefined ? { deadline } : {}),
  };

  let result: unknown;
  try {
    result = method.call(hosted.handlers, ...args, ctx);
  } catch (error) {
    result = Promise.reject(error);
  }
  Promise.resolve(result).then(
    (value) => {
      if (finished) return;
      respond(conn, frame, codec, hosted, fn, value);
      end(); // after queuing the answer: end() may finish a goodbye and close the channel
    },
    (error: unknown) => {
      if (finished) return;
      bump(conn.services.counters, 'handler_errors');
      conn.sendError(id, frame.target, codec, envelopeForHandlerError(hosted.descriptor, fn, error, codec));
      end();
    },
  );
}

function respond(conn: Connection, frame: Frame, codec: CodecName, hosted: HostedModule, fn: FunctionDescriptor, value: unknown): void {
  let payload = EMPTY_PAYLOAD;
  if (fn.result) {
    try {
      payload = fn.result.encode(value, codec);
    } catch (error) {
      conn.sendError(frame.correlation, frame.target, codec, envelopeForHandlerError(hosted.descriptor, fn, new Error(`result does not encode: ${String(error)}`), codec));
      return;
    }
  }
  // Answered in the request's codec, also when the payload is empty (docs/wire.md §1.2).
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
  const controller = new AbortController();
  const key = -(++onewaySeq); // negative keys never collide with correlation ids
  const entry: ActiveCall = { abort: (reason) => controller.abort(reason) };
  active.set(key, entry);
  const ctx: CallContext = { signal: controller.signal, peer: conn.peer.node };
  let result: unknown;
  try {
    result = method.call(hosted.handlers, ...args, ctx);
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
  conn.server.remoteSubs.set(frame.target, codec);
  conn.server.removeSink ??= conn.services.hub.add(conn.eventSink);
  conn.send({ kind: FrameKind.RESPONSE, codec: frame.codec, flags: 0, correlation: frame.correlation, timeoutMs: 0, target: frame.target, payload: EMPTY_PAYLOAD });
}
