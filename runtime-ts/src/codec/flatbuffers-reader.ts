// FlatBuffers decoding driven by the expected type (docs/wire.md §3.6). Any valid layout is read:
// generated code asks for a table's field by slot and follows offsets itself. A FlatBuffer is a
// graph of offsets that a hostile sender controls, so every read is checked against the payload:
// offsets, vtables and fields inside it (INVALID_ARGUMENT), counts that claim more bytes than
// remain (RESOURCE_EXHAUSTED), tables nested past max_depth, and a budget: a decode may read at
// most as many bytes of tables (soffset and fields read), strings and vectors as the payload holds,
// so offsets shared between objects cannot blow a small payload up into a huge value.

import type { DecodeLimits } from '../module.js';
import { exhausted, invalid } from './errors.js';
import { decodeUtf8 } from './utf8.js';

export class FlatbuffersReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  readonly length: number;
  depth = 0;
  readonly maxDepth: number;
  /** Bytes the decode may still read (see above). */
  private budget: number;

  constructor(buf: Uint8Array, limits: DecodeLimits) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.length = buf.length;
    this.budget = buf.length;
    this.maxDepth = limits.maxDepth;
  }

  private charge(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw exhausted(`decoding reads more than the payload's ${this.length} bytes (objects referred to more than once)`);
  }

  /** The root table's position; -1 for an empty payload, which is the root table with no field. */
  root(): number {
    if (this.length === 0) return -1;
    if (this.length < 4) throw invalid(`a payload of ${this.length} bytes (a FlatBuffer has at least 4)`);
    return this.deref(0);
  }

  /** Follows the uoffset at `at` (inside the payload): the position of the object it points to. */
  deref(at: number): number {
    const target = at + this.view.getUint32(at, true);
    if (target + 4 > this.length) throw invalid(`the offset at ${at} points outside the payload (${this.length} bytes)`);
    return target;
  }

  /** Enters the table at `t` (-1: the empty root): checks its vtable; pair with leave(). */
  enter(t: number): void {
    if (++this.depth > this.maxDepth) throw exhausted(`nesting deeper than max_depth ${this.maxDepth}`);
    if (t < 0) return;
    this.charge(4);
    const vt = t - this.view.getInt32(t, true);
    if (vt < 0 || vt + 4 > this.length) throw invalid(`the vtable of the table at ${t} is outside the payload`);
    const size = this.view.getUint16(vt, true);
    if (size < 4 || (size & 1) !== 0) throw invalid(`the vtable at ${vt} has size ${size} (odd or below 4)`);
    if (vt + size > this.length) throw invalid(`the vtable at ${vt} ends past the payload`);
  }

  leave(): void {
    this.depth--;
  }

  /**
   * The position of field `slot` (`size` bytes inline) of the entered table at `t`, or -1 when the
   * table does not have it (the reader then applies the default).
   */
  field(t: number, slot: number, size: number): number {
    if (t < 0) return -1;
    const view = this.view;
    const vt = t - view.getInt32(t, true);
    if (4 + 2 * slot >= view.getUint16(vt, true)) return -1;
    const offset = view.getUint16(vt + 4 + 2 * slot, true);
    if (offset === 0) return -1;
    const tableBytes = view.getUint16(vt + 2, true);
    if (offset + size > tableBytes) throw invalid(`field ${slot} at offset ${offset} is past the table's ${tableBytes} bytes`);
    if (t + offset + size > this.length) throw invalid(`field ${slot} of the table at ${t} ends past the payload`);
    this.charge(size);
    return t + offset;
  }

  bool(at: number): boolean {
    const b = this.buf[at]!;
    if (b > 1) throw invalid(`expected bool, got a byte of ${b}`);
    return b === 1;
  }

  i8(at: number): number {
    return this.view.getInt8(at);
  }

  u8(at: number): number {
    return this.buf[at]!;
  }

  i16(at: number): number {
    return this.view.getInt16(at, true);
  }

  u16(at: number): number {
    return this.view.getUint16(at, true);
  }

  i32(at: number): number {
    return this.view.getInt32(at, true);
  }

  enumValue(at: number): number {
    return this.view.getInt32(at, true);
  }

  u32(at: number): number {
    return this.view.getUint32(at, true);
  }

  i64(at: number): bigint {
    return this.view.getBigInt64(at, true);
  }

  u64(at: number): bigint {
    return this.view.getBigUint64(at, true);
  }

  f32(at: number): number {
    return this.view.getFloat32(at, true);
  }

  f64(at: number): number {
    return this.view.getFloat64(at, true);
  }

  /** The string at `at` (a position deref() gave). */
  string(at: number): string {
    const n = this.count(at, 1, true);
    const end = at + 4 + n;
    if (end >= this.length || this.buf[end] !== 0) throw invalid(`the string at ${at} does not end with a 0 byte`);
    return decodeUtf8(this.buf, at + 4, end);
  }

  /** The `[ubyte]` vector at `at`, as a view into the payload (as msgpack's bytes are). */
  bytes(at: number): Uint8Array {
    const n = this.count(at, 1);
    return this.buf.subarray(at + 4, at + 4 + n);
  }

  /**
   * The element count of the vector (or string) at `at`, whose elements are `size` bytes (4 for
   * uoffsets). Element i is at `at + 4 + i * size`.
   */
  count(at: number, size: number, string = false): number {
    const n = this.view.getUint32(at, true);
    const left = this.length - at - 4;
    if (n * size > left) {
      const what = string ? `a string of ${n} bytes` : `a vector of ${n} elements of size ${size}`;
      throw exhausted(`${what} at ${at} but only ${left} bytes left`);
    }
    this.charge(4 + n * size);
    return n;
  }
}
