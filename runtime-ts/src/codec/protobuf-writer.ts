// Canonical protobuf encoding (ADR 0028, docs/types.md "Protocol Buffers"): what google's
// deterministic serializer writes for a message whose fields are all set. Generated code writes
// fields in field-number order, every field the value has (zeros included), scalars of a list
// packed, map entries in key order with both key and value. Integers are sint32/sint64 (zigzag)
// for signed IDL types, uint32/uint64 for unsigned ones, int32 for enums; f32 is fixed32, f64
// fixed64, NaN the quiet NaN with the sign bit clear.
//
// A length-delimited value (a string, a nested message, a packed list) is written in place after a
// one-byte placeholder for its length, which is filled in when it ends; a value of 128 bytes or
// more is then moved to make room for the longer length.

import { ByteWriter } from './byte-writer.js';
import { checkBool, checkBytes, checkF32, checkF64, checkI16, checkI32, checkI64, checkI8, checkU16, checkU32, checkU64, checkU8 } from './checks.js';
import { mismatch } from './ints.js';
import { encodeUtf8Into } from './utf8.js';

const MASK64 = (1n << 64n) - 1n;

/** The wire types protobuf defines and this codec uses. */
export const WIRE = { varint: 0, fixed64: 1, len: 2, fixed32: 5 } as const;

export class ProtobufWriter extends ByteWriter {
  /** A field's key: `(number << 3) | wireType`, precomputed by generated code. */
  key(key: number): void {
    this.varint(key);
  }

  /** A varint of a non-negative number below 2^53. */
  varint(v: number): void {
    this.ensure(10);
    const buf = this.buf;
    let p = this.pos;
    while (v >= 0x80) {
      buf[p++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[p++] = v;
    this.pos = p;
  }

  private bigVarint(v: bigint): void {
    if (v < 0x20000000000000n) {
      this.varint(Number(v));
      return;
    }
    this.ensure(10);
    while (v >= 0x80n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /**
   * Starts a length-delimited value; pass the mark to endLen(). One byte is reserved for the
   * length, enough below 128 bytes (most strings and small messages): only a longer value moves.
   * The mark is relative to the value being written, which ensure() may move to a bigger buffer.
   */
  beginLen(): number {
    this.byte(0);
    return this.pos - this.start - 1;
  }

  /** Ends a length-delimited value: writes its length (a varint) before it. */
  endLen(mark: number): void {
    const len = this.pos - this.start - mark - 1;
    if (len < 0x80) {
      this.buf[this.start + mark] = len;
      return;
    }
    const size = len < 0x4000 ? 2 : len < 0x200000 ? 3 : len < 0x10000000 ? 4 : 5;
    this.ensure(size - 1);
    const at = this.start + mark;
    this.buf.copyWithin(at + size, at + 1, this.pos);
    let p = at;
    let v = len;
    while (v >= 0x80) {
      this.buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.buf[p] = v;
    this.pos += size - 1;
  }

  bool(v: boolean): void {
    checkBool(v);
    this.byte(v ? 1 : 0);
  }

  private zigzag32(v: number): void {
    this.varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  i8(v: number): void {
    checkI8(v);
    this.zigzag32(v);
  }

  i16(v: number): void {
    checkI16(v);
    this.zigzag32(v);
  }

  i32(v: number): void {
    checkI32(v);
    this.zigzag32(v);
  }

  i64(v: bigint): void {
    checkI64(v);
    this.bigVarint(v >= 0n ? v << 1n : (-v << 1n) - 1n);
  }

  u8(v: number): void {
    checkU8(v);
    this.varint(v);
  }

  u16(v: number): void {
    checkU16(v);
    this.varint(v);
  }

  u32(v: number): void {
    checkU32(v);
    this.varint(v);
  }

  u64(v: bigint): void {
    checkU64(v);
    this.bigVarint(v);
  }

  /** An enum value: int32, a negative one sign-extended to 64 bits (ten bytes), as protobuf does. */
  enumValue(v: number): void {
    checkI32(v);
    if (v >= 0) this.varint(v);
    else this.bigVarint(BigInt(v) & MASK64);
  }

  f32(v: number): void {
    checkF32(v);
    this.ensure(4);
    if (Number.isNaN(v)) this.view.setUint32(this.pos, 0x7fc00000, true);
    else this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    checkF64(v);
    this.ensure(8);
    if (Number.isNaN(v)) {
      this.view.setUint32(this.pos, 0, true);
      this.view.setUint32(this.pos + 4, 0x7ff80000, true);
    } else this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string's length and UTF-8 bytes (a lone surrogate is refused by the encoder, §3.4). */
  string(v: string): void {
    if (typeof v !== 'string') throw mismatch('string', v);
    // The UTF-8 length is at most 3 bytes per UTF-16 unit: reserve for that, then fix the length.
    this.ensure(5 + v.length * 3);
    const mark = this.beginLen();
    this.pos += encodeUtf8Into(v, this.buf, this.pos);
    this.endLen(mark);
  }

  bytes(v: Uint8Array): void {
    checkBytes(v);
    this.varint(v.length);
    this.raw(v);
  }
}
