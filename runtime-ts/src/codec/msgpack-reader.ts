// msgpack decoding driven by the expected type (docs/wire.md §3.2). Every length and count is
// checked against the bytes that remain BEFORE anything is allocated, and every array and map
// counts toward limits.maxDepth, including values skipped as unknown fields, and skipped values are
// checked like any other (UTF-8, map keys given once).

import type { DecodeLimits } from '../module.js';
import { duplicate, exhausted, invalid } from './errors.js';
import { I64_MAX, I64_MIN, U64_MAX } from './ints.js';
import { KeySet } from './key-set.js';
import { decodeUtf8, shortString } from './utf8.js';

/** Unknown field ids of one struct searched in a list up to this many, then kept in a Set. */
const UNKNOWN_SCAN = 16;

export class MsgpackReader {
  readonly buf: Uint8Array;
  /** Created on first use: most payloads never need one, and creating it costs more than a read. */
  private dataView: DataView | undefined;
  pos: number;
  readonly end: number;
  depth = 0;
  readonly maxDepth: number;
  /** The id fieldId() read last: skip() files it as an unknown field of the open struct. */
  private lastFieldId = -1;
  /**
   * Unknown field ids skipped in the open structs. The first struct that has some (at
   * `unknownDepth`; 0: none, so exit() has nothing to forget) keeps its ids below 31 as bits of
   * `unknownMask`: no allocation in the usual case. The other ids go on `unknown` as (depth, id)
   * pairs, a stack since structs nest, and past UNKNOWN_SCAN ids of one struct into a Set in
   * `unknownSets` (by depth). Every struct holding ids nests in the first one, so all of them are
   * forgotten by the time it exits.
   */
  private unknownDepth = 0;
  private unknownMask = 0;
  private unknown: number[] | undefined;
  private unknownSets: Array<Set<number> | undefined> | undefined;

  constructor(buf: Uint8Array, limits: DecodeLimits) {
    this.buf = buf;
    this.pos = 0;
    this.end = buf.length;
    this.maxDepth = limits.maxDepth;
  }

  private get view(): DataView {
    const b = this.buf;
    return (this.dataView ??= new DataView(b.buffer, b.byteOffset, b.byteLength));
  }

  private u16(p: number): number {
    return (this.buf[p]! << 8) | this.buf[p + 1]!;
  }

  private u32(p: number): number {
    const b = this.buf;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  private need(n: number): void {
    if (n > this.end - this.pos) throw invalid(`truncated: needs ${n} more bytes, ${this.end - this.pos} left`);
  }

  /**
   * A declared length or count that claims more than what remains: RESOURCE_EXHAUSTED (§3.2).
   * `need` is the minimum number of bytes the `n` items take; the message is built only on failure.
   */
  private claim(need: number, n: number, what: string): void {
    if (need > this.end - this.pos) throw exhausted(`${what} of ${n} but only ${this.end - this.pos} bytes left`);
  }

  private next(): number {
    if (this.pos >= this.end) throw invalid('truncated: unexpected end of payload');
    return this.buf[this.pos++]!;
  }

  /** Consumes a nil if one is next (an absent optional outside a struct). */
  tryNil(): boolean {
    if (this.pos < this.end && this.buf[this.pos] === 0xc0) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** The value of a unit union case: nil. */
  expectNil(): void {
    if (!this.tryNil()) throw this.unexpected(this.next(), 'nil');
  }

  bool(): boolean {
    const b = this.next();
    if (b === 0xc3) return true;
    if (b === 0xc2) return false;
    throw this.unexpected(b, 'bool');
  }

  /**
   * An integer in any msgpack format; its value must lie in [min, max] (both safe integers, and
   * min <= 0 for every integer type).
   */
  int(min: number, max: number, type: string): number {
    // Fast path, small enough to be inlined: a positive fixint.
    const p = this.pos;
    if (p < this.end) {
      const b = this.buf[p]!;
      if (b < 0x80 && b <= max) {
        this.pos = p + 1;
        return b;
      }
    }
    return this.anyInt(min, max, type);
  }

  private anyInt(min: number, max: number, type: string): number {
    const b = this.next();
    let v: number;
    if (b < 0x80) v = b;
    else if (b >= 0xe0) v = b - 0x100;
    else {
      const p = this.pos;
      switch (b) {
        case 0xcc: this.need(1); v = this.buf[p]!; this.pos += 1; break;
        case 0xcd: this.need(2); v = this.u16(p); this.pos += 2; break;
        case 0xce: this.need(4); v = this.u32(p); this.pos += 4; break;
        case 0xcf: this.need(8); v = safeOrInf(this.view.getBigUint64(p)); this.pos += 8; break;
        case 0xd0: this.need(1); v = (this.buf[p]! << 24) >> 24; this.pos += 1; break;
        case 0xd1: this.need(2); v = (this.u16(p) << 16) >> 16; this.pos += 2; break;
        case 0xd2: this.need(4); v = this.u32(p) | 0; this.pos += 4; break;
        case 0xd3: this.need(8); v = safeOrInf(this.view.getBigInt64(p)); this.pos += 8; break;
        default: throw this.unexpected(b, type);
      }
    }
    if (v < min || v > max) throw invalid(`${type} out of range: ${Number.isFinite(v) ? v : 'too large'}`);
    return v;
  }

  /** i64 or u64 as a bigint, from any integer format whose value fits. */
  bigint(signed: boolean): bigint {
    const b = this.buf[this.pos];
    let v: bigint;
    if (b === 0xcf) {
      this.pos++;
      this.need(8);
      v = this.view.getBigUint64(this.pos);
      this.pos += 8;
    } else if (b === 0xd3) {
      this.pos++;
      this.need(8);
      v = this.view.getBigInt64(this.pos);
      this.pos += 8;
    } else {
      v = BigInt(this.int(-0x80000000, 0xffffffff, signed ? 'i64' : 'u64'));
    }
    if (signed ? v < I64_MIN || v > I64_MAX : v < 0n || v > U64_MAX) {
      throw invalid(`${signed ? 'i64' : 'u64'} out of range: ${v}`);
    }
    return v;
  }

  /** A float in either width; float64 is narrowed through Math.fround. Integers are not floats. */
  f32(): number {
    const b = this.buf[this.pos];
    if (b === 0xca) {
      this.pos++;
      this.need(4);
      const v = readF32(this.buf, this.pos);
      this.pos += 4;
      return v;
    }
    return Math.fround(this.f64());
  }

  f64(): number {
    const b = this.buf[this.pos];
    if (b === 0xcb) {
      this.pos++;
      this.need(8);
      const v = readF64(this.buf, this.pos);
      this.pos += 8;
      return v;
    }
    if (b === 0xca) return this.f32();
    throw this.unexpected(this.next(), 'float');
  }

  string(): string {
    // Fast path: a fixstr (up to 31 bytes), the most common string on the wire.
    const p = this.pos;
    if (p < this.end) {
      const h = this.buf[p]!;
      if ((h & 0xe0) === 0xa0) {
        const n = h & 0x1f;
        const end = p + 1 + n;
        if (end <= this.end) {
          this.pos = end;
          return n === 0 ? '' : shortString(this.buf, p + 1, end);
        }
      }
    }
    return this.longString();
  }

  private longString(): string {
    const b = this.next();
    let n: number;
    if ((b & 0xe0) === 0xa0) n = b & 0x1f;
    else if (b === 0xd9) n = this.length(1);
    else if (b === 0xda) n = this.length(2);
    else if (b === 0xdb) n = this.length(4);
    else throw this.unexpected(b, 'string');
    this.claim(n, n, 'string of length');
    const start = this.pos;
    this.pos += n;
    return decodeUtf8(this.buf, start, start + n);
  }

  /**
   * A view into the payload, not a copy (as msgpackr and protobufjs do): the runtime hands each
   * payload to one decode and never reuses its buffer, so the view stays valid and unshared.
   */
  bytes(): Uint8Array {
    const b = this.next();
    let n: number;
    if (b === 0xc4) n = this.length(1);
    else if (b === 0xc5) n = this.length(2);
    else if (b === 0xc6) n = this.length(4);
    else throw this.unexpected(b, 'bytes');
    this.claim(n, n, 'bytes of length');
    const start = this.pos;
    this.pos += n;
    return new Uint8Array(this.buf.buffer, this.buf.byteOffset + start, n);
  }

  /** Reads an array header and enters one nesting level; call exit() after the elements. */
  arrayHeader(): number {
    // Fast path: a fixarray (up to 15 elements).
    const p = this.pos;
    if (p < this.end && (this.buf[p]! & 0xf0) === 0x90) {
      const n = this.buf[p]! & 0x0f;
      this.pos = p + 1;
      this.claim(n, n, 'array of length');
      this.enter();
      return n;
    }
    const b = this.next();
    let n: number;
    if ((b & 0xf0) === 0x90) n = b & 0x0f;
    else if (b === 0xdc) n = this.length(2);
    else if (b === 0xdd) n = this.length(4);
    else throw this.unexpected(b, 'array');
    // Every element takes at least one byte.
    this.claim(n, n, 'array of length');
    this.enter();
    return n;
  }

  /** Reads a map header and enters one nesting level; call exit() after the entries. */
  mapHeader(): number {
    // Fast path: a fixmap (up to 15 entries), which is how most structs arrive.
    const p = this.pos;
    if (p < this.end && (this.buf[p]! & 0xf0) === 0x80) {
      const n = this.buf[p]! & 0x0f;
      this.pos = p + 1;
      this.claim(n * 2, n, 'map of size');
      this.enter();
      return n;
    }
    const b = this.next();
    let n: number;
    if ((b & 0xf0) === 0x80) n = b & 0x0f;
    else if (b === 0xde) n = this.length(2);
    else if (b === 0xdf) n = this.length(4);
    else throw this.unexpected(b, 'map');
    // Every entry takes at least two bytes.
    this.claim(n * 2, n, 'map of size');
    this.enter();
    return n;
  }

  enter(): void {
    if (++this.depth > this.maxDepth) throw exhausted(`nesting deeper than max_depth ${this.maxDepth}`);
  }

  exit(): void {
    if (this.unknownDepth !== 0) this.forgetUnknown();
    this.depth--;
  }

  /** A struct key: a field id (any unsigned integer format). */
  fieldId(): number {
    const b = this.buf[this.pos];
    if (b !== undefined && b < 0x80) {
      this.pos++;
      return (this.lastFieldId = b);
    }
    return (this.lastFieldId = this.int(0, 0xffffffff, 'field id'));
  }

  /**
   * Skips the value of an unknown struct field whose id fieldId() just read, counting its depth
   * like any other value. The same unknown id twice in one struct is INVALID_ARGUMENT (§3.2; the
   * decoders check known ids themselves): bookkeeping only for structs that have unknown fields.
   */
  skip(): void {
    const id = this.lastFieldId;
    if (id >= 0) {
      this.lastFieldId = -1;
      this.noteUnknown(id);
    }
    this.skipValue();
  }

  /**
   * Skips one value, checked as skip() checks it, and returns the view of its bytes: for a value
   * carried as raw bytes, such as an error envelope's `detail`. The value is not filed as an
   * unknown field: the caller knows it.
   */
  skipRaw(): Uint8Array {
    this.lastFieldId = -1;
    const start = this.pos;
    this.skipValue();
    return this.buf.subarray(start, this.pos);
  }

  private noteUnknown(id: number): void {
    const d = this.depth;
    if (this.unknownDepth === 0) this.unknownDepth = d;
    if (id < 31 && this.unknownDepth === d) {
      const bit = 1 << id;
      if (this.unknownMask & bit) throw duplicate(`field id ${id}`);
      this.unknownMask |= bit;
      return;
    }
    const set = this.unknownSets?.[d];
    if (set !== undefined) {
      if (set.has(id)) throw duplicate(`field id ${id}`);
      set.add(id);
      return;
    }
    const u = (this.unknown ??= []);
    let count = 0;
    for (let i = u.length - 2; i >= 0 && u[i] === d; i -= 2, count++) {
      if (u[i + 1] === id) throw duplicate(`field id ${id}`);
    }
    if (count < UNKNOWN_SCAN) {
      u.push(d, id);
      return;
    }
    // Many unknown fields in one struct: a Set from here on, so a payload cannot cost n².
    const ids = new Set<number>([id]);
    while (u.length > 0 && u[u.length - 2] === d) {
      ids.add(u.pop()!);
      u.pop();
    }
    (this.unknownSets ??= [])[d] = ids;
  }

  /** The struct (or other container) at this depth is done: its unknown ids no longer count. */
  private forgetUnknown(): void {
    const d = this.depth;
    if (this.unknownDepth === d) this.unknownDepth = this.unknownMask = 0;
    const u = this.unknown;
    if (u === undefined) return;
    while (u.length > 0 && u[u.length - 2] === d) {
      u.pop();
      u.pop();
    }
    if (this.unknownSets !== undefined) this.unknownSets[d] = undefined;
  }

  /**
   * Skips one value of any type, checking it as any other value is checked (§3.2): its depth, its
   * declared lengths, UTF-8 in its strings, and the keys of each map in it (distinct, and neither
   * an array nor a map).
   */
  private skipValue(): void {
    const b = this.next();
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    const kind = b & 0xf0;
    if (kind === 0x80) return this.skipMap(b & 0x0f);
    if (kind === 0x90) return this.skipArray(b & 0x0f);
    if ((b & 0xe0) === 0xa0) return this.skipString(b & 0x1f);
    switch (b) {
      case 0xcc: case 0xd0: return this.skipBytes(1);
      case 0xcd: case 0xd1: return this.skipBytes(2);
      case 0xce: case 0xd2: case 0xca: return this.skipBytes(4);
      case 0xcf: case 0xd3: case 0xcb: return this.skipBytes(8);
      case 0xc4: return this.skipDeclared(this.length(1));
      case 0xc5: return this.skipDeclared(this.length(2));
      case 0xc6: return this.skipDeclared(this.length(4));
      case 0xd9: return this.skipString(this.length(1));
      case 0xda: return this.skipString(this.length(2));
      case 0xdb: return this.skipString(this.length(4));
      case 0xdc: return this.skipArray(this.length(2));
      case 0xdd: return this.skipArray(this.length(4));
      case 0xde: return this.skipMap(this.length(2));
      case 0xdf: return this.skipMap(this.length(4));
      default: throw this.unexpected(b, 'a value');
    }
  }

  private skipBytes(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private skipDeclared(n: number): void {
    this.claim(n, n, 'value of length');
    this.pos += n;
  }

  /** A skipped string must still be valid UTF-8: checked without making a string when ASCII. */
  private skipString(n: number): void {
    this.claim(n, n, 'value of length');
    const buf = this.buf;
    const start = this.pos;
    const end = (this.pos += n);
    if (n <= 64) {
      let i = start;
      while (i < end && buf[i]! < 0x80) i++;
      if (i === end) return;
    }
    decodeUtf8(buf, start, end);
  }

  private skipArray(n: number): void {
    this.claim(n, n, 'container of size');
    this.enter();
    for (let i = 0; i < n; i++) this.skipValue();
    this.exit();
  }

  private skipMap(n: number): void {
    this.claim(n * 2, n, 'container of size');
    this.enter();
    // A map of one entry cannot repeat a key: no set to allocate.
    const keys = n > 1 ? new KeySet<number | string>() : undefined;
    for (let i = 0; i < n; i++) {
      const key = this.skippedKey();
      if (keys !== undefined && key !== undefined && !keys.add(key)) throw duplicate(`map key ${keyText(key)}`);
      this.skipValue();
    }
    this.exit();
  }

  /**
   * Reads the key of a map being skipped and returns what identifies it among that map's keys
   * (§3.2): numbers by value, whatever their format (integers, floats, and false/true as 0/1);
   * strings as their text. The other kinds are strings that begin with a lone surrogate, which no
   * decoded string holds: TAG + 'n' + decimal digits for an integer beyond 2^53, TAG + 'b' + one
   * char per byte for bin, TAG + 'z' for nil. NaN is no key's equal: undefined. An array or map
   * key is invalid.
   */
  private skippedKey(): number | string | undefined {
    const b = this.next();
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if ((b & 0xe0) === 0xa0) return this.skippedText(b & 0x1f);
    const p = this.pos;
    switch (b) {
      case 0xc0: return TAG + 'z';
      case 0xc2: return 0;
      case 0xc3: return 1;
      case 0xcc: case 0xcd: case 0xce: case 0xd0: case 0xd1: case 0xd2:
        this.pos--;
        return this.anyInt(-0x80000000, 0xffffffff, 'map key');
      case 0xcf: this.need(8); this.pos += 8; return exactKey(this.view.getBigUint64(p));
      case 0xd3: this.need(8); this.pos += 8; return exactKey(this.view.getBigInt64(p));
      case 0xca: this.need(4); this.pos += 4; return floatKey(readF32(this.buf, p));
      case 0xcb: this.need(8); this.pos += 8; return floatKey(readF64(this.buf, p));
      case 0xd9: return this.skippedText(this.length(1));
      case 0xda: return this.skippedText(this.length(2));
      case 0xdb: return this.skippedText(this.length(4));
      case 0xc4: return this.skippedBinary(this.length(1));
      case 0xc5: return this.skippedBinary(this.length(2));
      case 0xc6: return this.skippedBinary(this.length(4));
    }
    const kind = b & 0xf0;
    if (kind === 0x80 || kind === 0x90 || (b >= 0xdc && b <= 0xdf)) {
      throw invalid(`a map key that is ${kind === 0x90 || b === 0xdc || b === 0xdd ? 'an array' : 'a map'}`);
    }
    throw this.unexpected(b, 'a map key');
  }

  private skippedText(n: number): string {
    this.claim(n, n, 'string of length');
    const start = this.pos;
    this.pos += n;
    return decodeUtf8(this.buf, start, start + n);
  }

  private skippedBinary(n: number): string {
    this.claim(n, n, 'bytes of length');
    const start = this.pos;
    this.pos += n;
    let s = TAG + 'b';
    for (let i = start; i < start + n; i += 4096) {
      s += String.fromCharCode.apply(null, this.buf.subarray(i, Math.min(i + 4096, start + n)) as unknown as number[]);
    }
    return s;
  }

  /** A big-endian length of `size` bytes following a format byte. */
  private length(size: 1 | 2 | 4): number {
    this.need(size);
    const p = this.pos;
    this.pos += size;
    return size === 1 ? this.buf[p]! : size === 2 ? this.u16(p) : this.u32(p);
  }

  /** Throws unless every byte was consumed: trailing bytes mean the payload is not what we think. */
  finish(): void {
    if (this.pos !== this.end) throw invalid(`${this.end - this.pos} unexpected bytes after the value`);
  }

  unexpected(b: number, expected: string) {
    this.pos--;
    return invalid(`expected ${expected}, got ${formatName(b)}`);
  }
}

// Floats are read through a scratch buffer in the platform's byte order, which avoids creating a
// DataView per payload. msgpack is big-endian; most hosts are little-endian.
const scratch = new ArrayBuffer(8);
const scratchBytes = new Uint8Array(scratch);
const scratchF32 = new Float32Array(scratch, 0, 1);
const scratchF64 = new Float64Array(scratch);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function readF64(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) {
    scratchBytes[0] = b[p + 7]!;
    scratchBytes[1] = b[p + 6]!;
    scratchBytes[2] = b[p + 5]!;
    scratchBytes[3] = b[p + 4]!;
    scratchBytes[4] = b[p + 3]!;
    scratchBytes[5] = b[p + 2]!;
    scratchBytes[6] = b[p + 1]!;
    scratchBytes[7] = b[p]!;
  } else for (let i = 0; i < 8; i++) scratchBytes[i] = b[p + i]!;
  return scratchF64[0]!;
}

function readF32(b: Uint8Array, p: number): number {
  if (LITTLE_ENDIAN) for (let i = 0; i < 4; i++) scratchBytes[i] = b[p + 3 - i]!;
  else for (let i = 0; i < 4; i++) scratchBytes[i] = b[p + i]!;
  return scratchF32[0]!;
}

/** Begins the identity of a skipped key that is neither a number nor a string (see skippedKey). */
const TAG = '\ud800';

/** The identity of a 64-bit integer key: a number when safe, else tagged decimal digits. */
function exactKey(v: bigint): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : TAG + 'n' + v.toString();
}

/** The identity of a float key: equal to the integer key of the same value; NaN has none. */
function floatKey(v: number): number | string | undefined {
  if (Number.isNaN(v)) return undefined;
  return Number.isInteger(v) && !Number.isSafeInteger(v) ? TAG + 'n' + BigInt(v).toString() : v;
}

/** A skipped key as an error message shows it. */
function keyText(key: number | string): string {
  if (typeof key === 'number') return String(key);
  if (key[0] !== TAG) return JSON.stringify(key);
  const kind = key[1];
  return kind === 'n' ? key.slice(2) : kind === 'z' ? 'nil' : `bin of ${key.length - 2} bytes`;
}

/** 64-bit values beyond the safe range become ±Infinity so the caller's range check rejects them. */
function safeOrInf(v: bigint): number {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : n > 0 ? Infinity : -Infinity;
}

function formatName(b: number): string {
  if (b < 0x80 || b >= 0xe0) return 'integer';
  if (b < 0x90) return 'map';
  if (b < 0xa0) return 'array';
  if (b < 0xc0) return 'string';
  switch (b) {
    case 0xc0: return 'nil';
    case 0xc2: case 0xc3: return 'bool';
    case 0xc4: case 0xc5: case 0xc6: return 'bytes';
    case 0xca: case 0xcb: return 'float';
    case 0xd9: case 0xda: case 0xdb: return 'string';
    case 0xdc: case 0xdd: return 'array';
    case 0xde: case 0xdf: return 'map';
    case 0xc7: case 0xc8: case 0xc9: case 0xd4: case 0xd5: case 0xd6: case 0xd7: case 0xd8: return 'ext';
    case 0xc1: return 'the never-used byte c1';
    default: return 'integer';
  }
}
