// Reading and writing the stream frames of docs/wire.md §1.5, shared by the caller's side
// (stream-calls.ts) and the callee's side (stream-serve.ts).

import { ErrorCode, InteropError } from '../errors.js';
import type { CodecName, DecodeLimits, FunctionDescriptor, PayloadCodec } from '../module.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameFlag, FrameKind, codecId, codecNameOf } from '../wire/frame.js';
import { asInterop } from './call-errors.js';
import { bump } from './services.js';
import type { Connection } from './connection.js';
import type { FrameError } from '../wire/decoder.js';

/** A stream function's REQUEST flags: STREAM_IN with an input, STREAM_OUT with an output. */
export function streamFlags(fn: Pick<FunctionDescriptor, 'input' | 'output'>): number {
  return (fn.input ? FrameFlag.STREAM_IN : 0) | (fn.output ? FrameFlag.STREAM_OUT : 0);
}

/**
 * The item a STREAM_ITEM carries, or the error that ends its stream: an item in another codec
 * than the REQUEST's is PROTOCOL_ERROR, one that does not decode INVALID_ARGUMENT (or
 * RESOURCE_EXHAUSTED past max_depth), as parameters are.
 */
export function decodeItem(frame: Frame, codec: PayloadCodec<unknown>, requestCodec: CodecName, limits: DecodeLimits): { value: unknown } | InteropError {
  if (codecNameOf(frame.codec) !== requestCodec) return new InteropError(ErrorCode.PROTOCOL_ERROR, `an item in codec ${frame.codec}, not the request's (${requestCodec})`);
  try {
    return { value: codec.decode(frame.payload, requestCodec, limits) };
  } catch (error) {
    const e = asInterop(error, ErrorCode.INVALID_ARGUMENT);
    return new InteropError(e.code, `an item does not decode: ${e.message}`);
  }
}

/** A STREAM_CREDIT's grant, or undefined when its payload is not a u32 of at least 1. */
export function readCredit(frame: Frame): number | undefined {
  const p = frame.payload;
  if (p.length !== 4) return undefined;
  const n = (p[0]! | (p[1]! << 8) | (p[2]! << 16)) + p[3]! * 0x1000000;
  return n >= 1 ? n : undefined;
}

/** Grants `n` items of credit for stream `correlation`; `fromCallee` sets the CALLEE flag. */
export function sendCredit(conn: Connection, correlation: number, n: number, fromCallee: boolean): void {
  const payload = new Uint8Array(4);
  payload[0] = n & 0xff;
  payload[1] = (n >>> 8) & 0xff;
  payload[2] = (n >>> 16) & 0xff;
  payload[3] = n >>> 24;
  conn.send({ kind: FrameKind.STREAM_CREDIT, codec: CodecId.none, flags: fromCallee ? FrameFlag.CALLEE : 0, correlation, timeoutMs: 0, target: '', payload });
}

/** One item of stream `correlation`, encoded in `codec` (the REQUEST's). */
export function sendItem(conn: Connection, correlation: number, codec: CodecName, payload: Uint8Array, fromCallee: boolean): void {
  conn.send({ kind: FrameKind.STREAM_ITEM, codec: codecId(codec), flags: fromCallee ? FrameFlag.CALLEE : 0, correlation, timeoutMs: 0, target: '', payload });
}

/** The caller's half-close: no more items from it. */
export function sendEnd(conn: Connection, correlation: number): void {
  conn.send({ kind: FrameKind.STREAM_END, codec: CodecId.none, flags: 0, correlation, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
}

/**
 * A stream frame the decoder refused (docs/wire.md §1.4: an unknown codec, a bad target), counted
 * already: it is never answered, it ends the stream it names with its code.
 */
export function rejectStreamFrame(conn: Connection, error: FrameError): void {
  const problem = new InteropError(error.code, error.message);
  if ((error.flags & FrameFlag.CALLEE) !== 0) conn.calls.breakOff(error.correlation, problem);
  else conn.server.active.get(error.correlation)?.breakOff(problem);
}

/**
 * Where a stream frame goes (docs/wire.md §1.5): with the CALLEE flag to an exchange this side
 * started, else to one the peer started and this side serves. One naming no open exchange is
 * dropped and counted (late_stream_frames).
 */
export function routeStreamFrame(conn: Connection, frame: Frame): void {
  if ((frame.flags & FrameFlag.CALLEE) !== 0) return conn.calls.onStreamFrame(frame);
  const served = conn.server.active.get(frame.correlation);
  if (served === undefined) {
    conn.options.debug?.(`dropped stream frame (kind ${frame.kind}) for correlation ${frame.correlation}: no open stream`);
    return bump(conn.services.counters, 'late_stream_frames');
  }
  served.onStreamFrame(frame);
}
