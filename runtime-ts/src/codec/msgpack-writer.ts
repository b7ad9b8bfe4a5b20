// Canonical msgpack encoding (docs/wire.md §3.2): the smallest format for every integer, length and
// count; f32 as float32 and f64 as float64 always; NaN as the quiet NaN with the sign bit clear.

import { ByteWriter } from './byte-writer.js';
import { encodeUtf8Into } from './utf8.js';
import { checkBool, checkBytes, checkF32, checkF64, checkI16, checkI32, checkI64, checkI8, checkU16, checkU32, checkU64, checkU8 } from './checks.js';
import { mismatch } from './ints.js';

const MAX_SAFE_BIG = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE_BIG = -MAX_SAFE_BIG;

export class MsgpackWriter extends ByteWriter {
  nil(): void {
    this.byte(0xc0);
  }

  bool(v: boolean): void {
    checkBool(v);
    this.byte(v ? 0xc3 : 0xc2);
  }

  i8(v: number): void {
    checkI8(v);
    this.intUnchecked(v);
  }

  i16(v: number): void {
    checkI16(v);
    this.intUnchecked(v);
  }

  i32(v: number): void {
    checkI32(v);
    this.intUnchecked(v);
  }

  u8(v: number): void {
    checkU8(v);
    this.intUnchecked(v);
  }

  u16(v: number): void {
    checkU16(v);
    this.intUnchecked(v);
  }

  u32(v: number): void {
    checkU32(v);
    this.intUnchecked(v);
  }

  i64(v: bigint): void {
    checkI64(v);
    this.bigint(v);
  }

  u64(v: bigint): void {
    checkU64(v);
    this.bigint(v);
  }

  /** Writes a safe integer in its smallest format. Callers guarantee it is one. */
  intUnchecked(v: number): void {
    this.ensure(9);
    const buf = this.buf;
    let p = this.pos;
    if (v >= 0) {
      if (v < 0x80) buf[p++] = v;
      else if (v < 0x100) {
        buf[p++] = 0xcc;
        buf[p++] = v;
      } else if (v < 0x10000) {
        buf[p++] = 0xcd;
        buf[p++] = v >>> 8;
        buf[p++] = v & 0xff;
      } else if (v < 0x100000000) {
        buf[p++] = 0xce;
        this.view.setUint32(p, v);
        p += 4;
      } else {
        buf[p++] = 0xcf;
        this.view.setUint32(p, Math.floor(v / 0x100000000));
        this.view.setUint32(p + 4, v >>> 0);
        p += 8;
      }
    } else if (v >= -32) {
      buf[p++] = v & 0xff;
    } else if (v >= -0x80) {
      buf[p++] = 0xd0;
      buf[p++] = v & 0xff;
    } else if (v >= -0x8000) {
      buf[p++] = 0xd1;
      this.view.setInt16(p, v);
      p += 2;
    } else if (v >= -0x80000000) {
      buf[p++] = 0xd2;
      this.view.setInt32(p, v);
      p += 4;
    } else {
      buf[p++] = 0xd3;
      this.view.setBigInt64(p, BigInt(v));
      p += 8;
    }
    this.pos = p;
  }

  /** A 64-bit integer already range-checked, in the smallest format that holds its value. */
  private bigint(v: bigint): void {
    if (v <= MAX_SAFE_BIG && v >= MIN_SAFE_BIG) {
      this.intUnchecked(Number(v));
    } else if (v > 0n) {
      this.ensure(9);
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
      this.pos += 9;
    } else {
      this.ensure(9);
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
      this.pos += 9;
    }
  }

  f32(v: number): void {
    checkF32(v);
    this.ensure(5);
    this.buf[this.pos] = 0xca;
    if (v !== v) this.view.setUint32(this.pos + 1, 0x7fc00000);
    else this.view.setFloat32(this.pos + 1, v);
    this.pos += 5;
  }

  f64(v: number): void {
    checkF64(v);
    this.ensure(9);
    this.buf[this.pos] = 0xcb;
    if (v !== v) {
      this.view.setUint32(this.pos + 1, 0x7ff80000);
      this.view.setUint32(this.pos + 5, 0);
    } else this.view.setFloat64(this.pos + 1, v);
    this.pos += 9;
  }

  string(s: string): void {
    if (typeof s !== 'string') throw mismatch('string', s);
    const len = s.length;
    if (len < 32) {
      // Short strings are usually ASCII: then the byte length is the char count, the fixstr
      // header is known up front, and no bytes need moving.
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === len) {
        buf[start] = 0xa0 | len;
        this.pos = start + 1 + len;
        return;
      }
    }
    const max = len * 3;
    // Reserve the header for the worst case, encode, then slide the bytes left if the actual
    // length needs a smaller header: canonical form wants the smallest.
    const reserved = max < 32 ? 1 : max < 0x100 ? 2 : max < 0x10000 ? 3 : 5;
    this.ensure(reserved + max);
    const start = this.pos;
    const n = encodeUtf8Into(s, this.buf, start + reserved);
    const header = n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (header !== reserved) this.buf.copyWithin(start + header, start + reserved, start + reserved + n);
    const buf = this.buf;
    if (header === 1) buf[start] = 0xa0 | n;
    else if (header === 2) {
      buf[start] = 0xd9;
      buf[start + 1] = n;
    } else if (header === 3) {
      buf[start] = 0xda;
      this.view.setUint16(start + 1, n);
    } else {
      buf[start] = 0xdb;
      this.view.setUint32(start + 1, n);
    }
    this.pos = start + header + n;
  }

  bytes(b: Uint8Array): void {
    checkBytes(b);
    const n = b.length;
    this.ensure(5 + n);
    const buf = this.buf;
    if (n < 0x100) {
      buf[this.pos++] = 0xc4;
      buf[this.pos++] = n;
    } else if (n < 0x10000) {
      buf[this.pos] = 0xc5;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      buf[this.pos] = 0xc6;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
    buf.set(b, this.pos);
    this.pos += n;
  }

  arrayHeader(n: number): void {
    this.header(n, 0x90, 0xdc);
  }

  mapHeader(n: number): void {
    this.header(n, 0x80, 0xde);
  }

  /** fix / 16 / 32 header: fixarray and fixmap hold up to 15. */
  private header(n: number, fix: number, op16: number): void {
    this.ensure(5);
    if (n < 16) this.buf[this.pos++] = fix | n;
    else if (n < 0x10000) {
      this.buf[this.pos] = op16;
      this.view.setUint16(this.pos + 1, n);
      this.pos += 3;
    } else {
      this.buf[this.pos] = op16 + 1;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }
}

