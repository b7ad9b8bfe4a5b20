// Frame layout of docs/wire.md §1: a u32 length, a 14-byte fixed header, the target, the payload.
// All integers little-endian.

import type { CodecName } from '../module.js';

export const FrameKind = {
  HELLO: 1,
  WELCOME: 2,
  REQUEST: 3,
  RESPONSE: 4,
  ERROR: 5,
  ONEWAY: 6,
  EVENT: 7,
  SUBSCRIBE: 8,
  UNSUBSCRIBE: 9,
  CANCEL: 10,
  PING: 11,
  PONG: 12,
  GOODBYE: 13,
  STREAM_ITEM: 14,
  STREAM_END: 15,
  STREAM_CREDIT: 16,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** Flag bits of docs/wire.md §1.3. */
export const FrameFlag = {
  /** STREAM_ITEM, STREAM_CREDIT: sent by the callee (the correlation id is the receiver's own). */
  CALLEE: 0x0001,
  /** REQUEST: the function has a client stream. */
  STREAM_IN: 0x0002,
  /** REQUEST: the function has a server stream. */
  STREAM_OUT: 0x0004,
} as const;

export const CodecId = { none: 0, json: 1, msgpack: 2, protobuf: 3, flatbuffers: 4 } as const;
export type CodecId = (typeof CodecId)[keyof typeof CodecId];

/** Bytes of `length` itself. */
export const LENGTH_BYTES = 4;
/** Bytes of the fixed header after `length` (kind … target_len). */
export const FIXED_HEADER_BYTES = 14;
/** Bytes before the target: length + fixed header. */
export const PREFIX_BYTES = LENGTH_BYTES + FIXED_HEADER_BYTES;

export function isKnownKind(kind: number): kind is FrameKind {
  return Number.isInteger(kind) && kind >= FrameKind.HELLO && kind <= FrameKind.STREAM_CREDIT;
}

/** STREAM_ITEM, STREAM_END, STREAM_CREDIT: frames inside a stream exchange (docs/wire.md §1.5). */
export function isStreamKind(kind: number): boolean {
  return kind === FrameKind.STREAM_ITEM || kind === FrameKind.STREAM_END || kind === FrameKind.STREAM_CREDIT;
}

/** Codecs this runtime can decode payloads in (none carries empty payloads only). */
export function isSupportedCodec(codec: number): codec is 0 | 1 | 2 | 3 | 4 {
  return codec <= CodecId.flatbuffers;
}

export function codecId(name: CodecName): CodecId {
  return name === 'json' ? CodecId.json : name === 'protobuf' ? CodecId.protobuf : name === 'flatbuffers' ? CodecId.flatbuffers : CodecId.msgpack;
}

/** The payload codec name of a wire codec id, or undefined for none/reserved ids. */
export function codecNameOf(id: number): CodecName | undefined {
  return id === CodecId.json ? 'json' : id === CodecId.msgpack ? 'msgpack' : id === CodecId.protobuf ? 'protobuf' : id === CodecId.flatbuffers ? 'flatbuffers' : undefined;
}

export interface Frame {
  kind: FrameKind;
  codec: CodecId;
  /** docs/wire.md §1.3 (FrameFlag); bits a receiver does not know are ignored. */
  flags: number;
  correlation: number;
  /** REQUEST only: the caller's remaining deadline in ms, 0 = none. */
  timeoutMs: number;
  /** "module.member", or empty. */
  target: string;
  payload: Uint8Array;
}

const utf8 = new TextEncoder();

/**
 * Encodes everything before the payload (length, header, target). Sending the header and the
 * payload as two buffers lets a writev path send a large payload without copying it again.
 */
export function encodeFrameHead(frame: Omit<Frame, 'payload'>, payloadBytes: number, target: Uint8Array = targetBytes(frame.target)): Uint8Array {
  const head = allocate(PREFIX_BYTES + target.length);
  writeHead(head, frame, target, payloadBytes);
  return head;
}

/**
 * Buffer.allocUnsafe under Node takes small buffers from a shared slab (cheap), and every byte is
 * written; a browser has no Buffer, and gets a plain Uint8Array.
 */
const allocUnsafe = (globalThis as { Buffer?: { allocUnsafe(n: number): Uint8Array } }).Buffer?.allocUnsafe;
function allocate(n: number): Uint8Array {
  return allocUnsafe !== undefined ? allocUnsafe(n) : new Uint8Array(n);
}

/** Writes length, fixed header and target at the start of `out`. */
function writeHead(out: Uint8Array, frame: Omit<Frame, 'payload'>, target: Uint8Array, payloadBytes: number): void {
  if (target.length > 0xffff) throw new RangeError(`frame target is ${target.length} bytes, more than a u16`);
  const length = FIXED_HEADER_BYTES + target.length + payloadBytes;
  if (length > 0xffff_ffff) throw new RangeError(`frame of ${length} bytes does not fit a u32 length`);
  // Byte by byte rather than Buffer#writeUInt32LE: every value is already masked to its width,
  // and the Buffer methods' range checks cost more than the writes on this path (once per frame).
  u32(out, 0, length);
  out[4] = frame.kind;
  out[5] = frame.codec;
  const flags = frame.flags & 0xffff;
  out[6] = flags & 0xff;
  out[7] = flags >>> 8;
  u32(out, 8, frame.correlation >>> 0);
  u32(out, 12, frame.timeoutMs >>> 0);
  const n = target.length;
  out[16] = n & 0xff;
  out[17] = n >>> 8;
  if (n <= 32) for (let i = 0; i < n; i++) out[PREFIX_BYTES + i] = target[i]!;
  else out.set(target, PREFIX_BYTES);
}

function u32(out: Uint8Array, at: number, value: number): void {
  out[at] = value & 0xff;
  out[at + 1] = (value >>> 8) & 0xff;
  out[at + 2] = (value >>> 16) & 0xff;
  out[at + 3] = value >>> 24;
}

/** Encoded targets: a connection sends the same few targets over and over. */
const targetCache = new Map<string, Uint8Array>();

/** The UTF-8 bytes of a target, from a bounded cache. */
export function targetBytes(target: string): Uint8Array {
  if (target === '') return EMPTY;
  let bytes = targetCache.get(target);
  if (!bytes) {
    bytes = utf8.encode(target);
    if (targetCache.size >= 4096) targetCache.clear(); // bounded: targets come from peers too
    targetCache.set(target, bytes);
  }
  return bytes;
}

/**
 * The whole frame as one buffer (tests, vectors, small frames). `target` is frame.target's bytes,
 * for a caller that keeps them (encoding the target is a map lookup otherwise).
 */
export function encodeFrame(frame: Frame, target: Uint8Array = targetBytes(frame.target)): Uint8Array {
  const payload = frame.payload;
  const out = allocate(PREFIX_BYTES + target.length + payload.length);
  writeHead(out, frame, target, payload.length);
  out.set(payload, PREFIX_BYTES + target.length);
  return out;
}

/**
 * Payloads up to this size are copied behind their head: one buffer per frame is one plain
 * write, where two need a writev, which costs Node about 1 µs more than the copy.
 */
const COPY_PAYLOAD_MAX = 8 * 1024;

/**
 * The frame as the buffers to write, in order: one buffer, or the head and a large payload.
 * `target` as for encodeFrame.
 */
export function frameParts(frame: Frame, target?: Uint8Array): Uint8Array[] {
  const n = frame.payload.length;
  if (n === 0 || n > COPY_PAYLOAD_MAX) {
    const head = encodeFrameHead(frame, n, target);
    return n === 0 ? [head] : [head, frame.payload];
  }
  return [encodeFrame(frame, target)];
}

const EMPTY = new Uint8Array(0);
export const EMPTY_PAYLOAD: Uint8Array = EMPTY;

/** Splits a target at its last dot: module before, member after (docs/wire.md §1). */
export function splitTarget(target: string): { module: string; member: string } | undefined {
  const dot = target.lastIndexOf('.');
  if (dot <= 0 || dot === target.length - 1) return undefined;
  return { module: target.slice(0, dot), member: target.slice(dot + 1) };
}
