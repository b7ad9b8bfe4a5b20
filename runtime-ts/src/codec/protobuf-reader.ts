// protobuf decoding driven by the expected type (ADR 0028). The reader keeps the end of the message
// it is in: enter() reads a length, checks it against the bytes that remain (RESOURCE_EXHAUSTED, as
// a msgpack length claiming too much) and counts toward limits.maxDepth; every read is bounded by
// that end, so a value cannot run past its message. Typed errors for what protobuf parsers
// disagree on or we do not speak: groups (wire types 3, 4), wire types 6 and 7, field number 0,
// varints past 64 bits, integers outside the IDL type, a wire type the schema does not expect.

import type { DecodeLimits } from '../module.js';
import { exhausted, invalid } from './errors.js';
import { decodeUtf8 } from './utf8.js';

const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32', 'wire type 6', 'wire type 7'];

export class ProtobufReader {
  readonly buf: Uint8Array;
  private dataView: DataView | undefined;
  pos = 0;
  /** The end of the message (or packed list) being read. */
  end: number;
  depth = 0;
  readonly maxDepth: number;
  /** The wire type of the key field() read last. */
  wt = 0;
  /** The low and high 32 bits of the varint read last. */
  private lo = 0;
  private hi = 0;

  constructor(buf: Uint8Array, limits: DecodeLimits) {
    this.buf = buf;
    this.end = buf.length;
    this.maxDepth = limits.maxDepth;
  }

  private get view(): DataView {
    const b = this.buf;
    return (this.dataView ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw invalid(`truncated: needs ${n} more bytes, ${this.end - this.pos} left`);
  }

  /** Reads a varint into lo/hi: at most 10 bytes, the 10th at most 1 (64 bits). */
  private varint(): void {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw invalid('truncated varint');
      const b = buf[this.pos++]!;
      if (i < 4) lo |= (b & 0x7f) << (7 * i);
      else if (i === 4) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else {
        if (i === 9 && b > 1) throw invalid('varint longer than 64 bits');
        hi |= (b & 0x7f) << (7 * i - 32);
      }
      if (b < 0x80) {
        this.lo = lo >>> 0;
        this.hi = hi >>> 0;
        return;
      }
    }
    throw invalid('varint longer than 10 bytes');
  }

  /** The next field of the current message: its number (wire type in `wt`), or 0 at its end. */
  field(): number {
    if (this.pos >= this.end) return 0;
    this.varint();
    if (this.hi !== 0) throw invalid('field number out of range');
    const key = this.lo;
    const wt = key & 7;
    const n = key >>> 3;
    if (n === 0) throw invalid('field number 0');
    if (wt === 3 || wt === 4 || wt > 5) throw invalid(`${WIRE_NAMES[wt]} (field ${n}) is not supported`);
    this.wt = wt;
    return n;
  }

  /** Throws unless the field read last has wire type `wt`. */
  expect(wt: number): void {
    if (this.wt !== wt) throw invalid(`wire type ${WIRE_NAMES[this.wt]} where the schema wants ${WIRE_NAMES[wt]}`);
  }

  /** Reads a length and returns where the value it measures ends. */
  private length(): number {
    this.varint();
    const left = this.end - this.pos;
    if (this.hi !== 0 || this.lo > left) {
      const n = this.hi !== 0 ? 'more than 2^32' : String(this.lo);
      throw exhausted(`length of ${n} but only ${left} bytes left`);
    }
    return this.pos + this.lo;
  }

  /** Enters a nested message (the field's wire type must be length-delimited); returns what leave() needs. */
  enter(): number {
    this.expect(2);
    const end = this.length();
    if (++this.depth > this.maxDepth) throw exhausted(`value nested deeper than ${this.maxDepth} levels`);
    const outer = this.end;
    this.end = end;
    return outer;
  }

  /** Leaves a nested message entered with enter(). */
  leave(outer: number): void {
    this.depth--;
    this.end = outer;
  }

  /** Enters a packed list; returns what leavePacked() needs. Elements are read until more() is false. */
  enterPacked(): number {
    const end = this.length();
    const outer = this.end;
    this.end = end;
    return outer;
  }

  leavePacked(outer: number): void {
    this.end = outer;
  }

  /** Whether the current message (or packed list) has bytes left. */
  more(): boolean {
    return this.pos < this.end;
  }

  /** Skips the value of an unknown field, by its wire type. */
  skip(): void {
    switch (this.wt) {
      case 0:
        this.varint();
        return;
      case 1:
        this.need(8);
        this.pos += 8;
        return;
      case 2:
        this.pos = this.length();
        return;
      default:
        this.need(4);
        this.pos += 4;
    }
  }

  bool(): boolean {
    this.varint();
    if (this.hi !== 0 || this.lo > 1) throw invalid('expected bool, got a varint other than 0 and 1');
    return this.lo === 1;
  }

  /** A sint32 (zigzag) in [min, max]. */
  sint(min: number, max: number, name: string): number {
    this.varint();
    const v = this.hi === 0 ? (this.lo >>> 1) ^ -(this.lo & 1) : NaN;
    if (!(v >= min && v <= max)) throw invalid(`expected ${name}, got a value out of range`);
    return v;
  }

  /** A uint32 in [0, max]. */
  uint(max: number, name: string): number {
    this.varint();
    if (this.hi !== 0 || this.lo > max) throw invalid(`expected ${name}, got a value out of range`);
    return this.lo;
  }

  i64(): bigint {
    this.varint();
    const u = (BigInt(this.hi) << 32n) | BigInt(this.lo);
    return (u & 1n) === 0n ? u >> 1n : -(u >> 1n) - 1n;
  }

  u64(): bigint {
    this.varint();
    return this.hi === 0 ? BigInt(this.lo) : (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** An enum value: an int32, negative ones sign-extended to 64 bits. */
  enumValue(): number {
    this.varint();
    if (this.hi === 0 && this.lo < 0x80000000) return this.lo;
    if (this.hi === 0xffffffff && this.lo >= 0x80000000) return this.lo | 0;
    throw invalid('expected an enum value (int32), got a value out of range');
  }

  f32(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  string(): string {
    const end = this.length();
    const s = decodeUtf8(this.buf, this.pos, end);
    this.pos = end;
    return s;
  }

  /** A view into the payload, as msgpack's bytes are. */
  bytes(): Uint8Array {
    const end = this.length();
    const b = this.buf.subarray(this.pos, end);
    this.pos = end;
    return b;
  }
}
