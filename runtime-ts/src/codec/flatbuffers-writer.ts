// The canonical FlatBuffers layout of docs/wire.md §3.6 (ADR 0041): front to back at one cursor,
// depth-first in field order, each table's own vtable right before it, fields in slot order at
// their natural alignment. Generated code drives it: has() declares each field a table writes, in
// slot order; table() writes the vtable and soffset; the field writers append the inline fields
// (each aligned to its size), slot() leaves a uoffset to patch; once the table is done, the objects
// its fields refer to are written one after the other, each returning its position for patch().
// Positions are relative to the start of the payload (`start`), which the reader keeps 8-aligned.

import { ByteWriter } from './byte-writer.js';
import { checkBool, checkBytes, checkF32, checkF64, checkI16, checkI32, checkI64, checkI8, checkU16, checkU32, checkU64, checkU8 } from './checks.js';
import { mismatch } from './ints.js';
import { encodeUtf8Into } from './utf8.js';

/** Slot offsets of the table being laid out, reused (slots are at most 1024, compiler/src/targets/fbs). */
const offsets = new Uint16Array(1024);

export class FlatbuffersWriter extends ByteWriter {
  /** The table being declared with has(): slots so far (n), its end, its alignment. */
  private slots = 0;
  private end = 4;
  private alignment = 4;

  /** Zero bytes up to the next payload position that is a multiple of `n` (1, 2, 4 or 8). */
  align(n: number): void {
    const pad = -(this.pos - this.start) & (n - 1);
    if (pad === 0) return;
    this.ensure(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  /** The payload position of the cursor. */
  get at(): number {
    return this.pos - this.start;
  }

  /** The root uoffset, to patch with the root table's position: call at the start of a payload. */
  root(): number {
    return this.slot();
  }

  /** Declares a field the next table() writes: its slot (ascending) and inline size (a uoffset: 4). */
  has(slot: number, size: number): void {
    const at = (this.end + size - 1) & -size;
    for (let s = this.slots; s < slot; s++) offsets[s] = 0;
    offsets[slot] = at;
    this.end = at + size;
    if (size > this.alignment) this.alignment = size;
    this.slots = slot + 1;
  }

  /**
   * Writes the vtable and soffset (rule 3 of §3.6) of a table with the fields has() declared and
   * returns the table's position; the caller then writes those fields, in order.
   */
  table(): number {
    const n = this.slots;
    const end = this.end;
    const align = this.alignment;
    this.slots = 0;
    this.end = 4;
    this.alignment = 4;
    const vtableBytes = 4 + 2 * n;
    const cursor = this.at;
    const t = Math.ceil((cursor + vtableBytes) / align) * align;
    this.ensure(t - cursor + end);
    const vt = this.start + t - vtableBytes;
    this.buf.fill(0, this.pos, vt);
    const view = this.view;
    view.setUint16(vt, vtableBytes, true);
    view.setUint16(vt + 2, end, true);
    for (let s = 0; s < n; s++) view.setUint16(vt + 4 + 2 * s, offsets[s]!, true);
    view.setInt32(vt + vtableBytes, vtableBytes, true);
    this.pos = vt + vtableBytes + 4;
    return t;
  }

  /** A uoffset to fill in with patch() once its object is written; returns its position. */
  slot(): number {
    this.align(4);
    const at = this.at;
    this.view.setUint32(this.pos, 0, true);
    this.pos += 4;
    return at;
  }

  /** Points the uoffset at `at` to the object at `target` (always after it). */
  patch(at: number, target: number): void {
    this.view.setUint32(this.start + at, target - at, true);
  }

  bool(v: boolean): void {
    checkBool(v);
    this.byte(v ? 1 : 0);
  }

  i8(v: number): void {
    checkI8(v);
    this.byte(v & 0xff);
  }

  u8(v: number): void {
    checkU8(v);
    this.byte(v);
  }

  i16(v: number): void {
    checkI16(v);
    this.align(2);
    this.ensure(2);
    this.view.setInt16(this.pos, v, true);
    this.pos += 2;
  }

  u16(v: number): void {
    checkU16(v);
    this.align(2);
    this.ensure(2);
    this.view.setUint16(this.pos, v, true);
    this.pos += 2;
  }

  i32(v: number): void {
    checkI32(v);
    this.align(4);
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  /** An enum value: its int32. */
  enumValue(v: number): void {
    this.i32(v);
  }

  u32(v: number): void {
    checkU32(v);
    this.align(4);
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i64(v: bigint): void {
    checkI64(v);
    this.align(8);
    this.ensure(8);
    this.view.setBigInt64(this.pos, v, true);
    this.pos += 8;
  }

  u64(v: bigint): void {
    checkU64(v);
    this.align(8);
    this.ensure(8);
    this.view.setBigUint64(this.pos, v, true);
    this.pos += 8;
  }

  f32(v: number): void {
    checkF32(v);
    this.align(4);
    this.ensure(4);
    if (Number.isNaN(v)) this.view.setUint32(this.pos, 0x7fc00000, true);
    else this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    checkF64(v);
    this.align(8);
    this.ensure(8);
    if (Number.isNaN(v)) {
      this.view.setUint32(this.pos, 0, true);
      this.view.setUint32(this.pos + 4, 0x7ff80000, true);
    } else this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  /** A string object (rule 4): u32 byte count, the UTF-8 bytes, a 0 byte. Returns its position. */
  string(v: string): number {
    if (typeof v !== 'string') throw mismatch('string', v);
    this.align(4);
    const at = this.at;
    // The UTF-8 length is at most 3 bytes per UTF-16 unit: reserve for that, then write the count.
    this.ensure(5 + v.length * 3);
    const n = encodeUtf8Into(v, this.buf, this.pos + 4);
    this.view.setUint32(this.pos, n, true);
    this.pos += 4 + n;
    this.buf[this.pos++] = 0;
    return at;
  }

  /** `bytes` as a `[ubyte]` vector. Returns its position. */
  bytes(v: Uint8Array): number {
    checkBytes(v);
    const at = this.vector(v.length, 1);
    this.raw(v);
    return at;
  }

  /**
   * The count of a vector of `count` scalars of `size` bytes (rule 5): at the first position that
   * is a multiple of 4 and leaves the elements aligned. The caller writes the elements. Returns its position.
   */
  vector(count: number, size: number): number {
    this.align(4);
    if (size === 8 && (this.at & 7) === 0) {
      this.ensure(4);
      this.view.setUint32(this.pos, 0, true);
      this.pos += 4;
    }
    const at = this.at;
    this.ensure(4);
    this.view.setUint32(this.pos, count, true);
    this.pos += 4;
    return at;
  }

  /** A vector of `count` uoffsets (tables or strings), all to patch: element i's is at `position + 4 + 4i`. */
  offsets(count: number): number {
    const at = this.vector(count, 4);
    this.ensure(4 * count);
    this.buf.fill(0, this.pos, this.pos + 4 * count);
    this.pos += 4 * count;
    return at;
  }
}
