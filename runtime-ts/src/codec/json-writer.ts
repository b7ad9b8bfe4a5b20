// Canonical JSON text (docs/wire.md §3.1), written as UTF-8 bytes. No whitespace; minimal string
// escaping; i64/u64 as decimal strings; floats as ECMAScript prints them; NaN and infinities as
// strings; bytes as padded base64.
//
// Separators: every value writer first puts a comma if one is due, and leaves one due after it.
// `key()` does the same for object keys and then clears it, so generated code never tracks "first".

import { ByteWriter } from './byte-writer.js';
import { base64Length, encodeBase64Into } from './base64.js';
import { formatF32, formatF64 } from './floats.js';
import { checkBool, checkBytes, checkF32, checkF64, checkI16, checkI32, checkI64, checkI8, checkU16, checkU32, checkU64, checkU8 } from './checks.js';
import { checkRange, mismatch } from './ints.js';
import { encodeUtf8Into, encodeUtf8Range, utf8Bytes } from './utf8.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const HEX = '0123456789abcdef';
/** Short escapes where JSON has them; the rest of U+0000..U+001F is \u00XX. */
const SHORT_ESCAPE: Record<number, number> = { 0x08: 0x62, 0x09: 0x74, 0x0a: 0x6e, 0x0c: 0x66, 0x0d: 0x72 };
/** Long strings without anything to escape go through TextEncoder in one call. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;
const NATIVE_FROM = 64;

const TEXT_TRUE = utf8Bytes('true');
const TEXT_FALSE = utf8Bytes('false');
const TEXT_NULL = utf8Bytes('null');
const TEXT_NAN = utf8Bytes('"NaN"');
const TEXT_INF = utf8Bytes('"Infinity"');
const TEXT_NEG_INF = utf8Bytes('"-Infinity"');

/** The bytes of `"name":`, precomputed once per field by generated code. */
export function jsonKey(name: string): Uint8Array {
  return utf8Bytes(JSON.stringify(name) + ':');
}

export class JsonWriter extends ByteWriter {
  /** A comma is due before the next value or key. */
  private comma = false;

  override reset(): void {
    super.reset();
    this.comma = false;
  }

  private sep(): void {
    if (this.comma) this.byte(COMMA);
    this.comma = true;
  }

  beginObject(): void {
    this.sep();
    this.byte(0x7b);
    this.comma = false;
  }

  endObject(): void {
    this.byte(0x7d);
    this.comma = true;
  }

  beginArray(): void {
    this.sep();
    this.byte(0x5b);
    this.comma = false;
  }

  endArray(): void {
    this.byte(0x5d);
    this.comma = true;
  }

  /** A precomputed `"name":` from jsonKey(). */
  key(bytes: Uint8Array): void {
    if (this.comma) this.byte(COMMA);
    this.raw(bytes);
    this.comma = false;
  }

  /** A map key computed at run time: the string followed by a colon. */
  keyString(s: string): void {
    if (this.comma) this.byte(COMMA);
    this.comma = false;
    this.string(s);
    this.byte(0x3a);
    this.comma = false;
  }

  /** An integer map key (u8..i32): its decimal text as a key. */
  keyInt(v: number, min: number, max: number, type: string): void {
    checkRange(v, min, max, type);
    if (this.comma) this.byte(COMMA);
    this.ensure(19);
    this.buf[this.pos++] = QUOTE;
    this.digits(v);
    this.buf[this.pos++] = QUOTE;
    this.buf[this.pos++] = 0x3a;
    this.comma = false;
  }

  /** An i64/u64 map key. */
  keyBigInt(v: bigint, signed: boolean): void {
    if (signed) checkI64(v);
    else checkU64(v);
    this.keyString(v.toString());
  }

  /** A precomputed whole value, e.g. an enum member name with its quotes. */
  rawValue(bytes: Uint8Array): void {
    this.sep();
    this.raw(bytes);
  }

  null(): void {
    this.rawValue(TEXT_NULL);
  }

  bool(v: boolean): void {
    checkBool(v);
    this.rawValue(v ? TEXT_TRUE : TEXT_FALSE);
  }

  i8(v: number): void {
    checkI8(v);
    this.integer(v);
  }

  i16(v: number): void {
    checkI16(v);
    this.integer(v);
  }

  i32(v: number): void {
    checkI32(v);
    this.integer(v);
  }

  u8(v: number): void {
    checkU8(v);
    this.integer(v);
  }

  u16(v: number): void {
    checkU16(v);
    this.integer(v);
  }

  u32(v: number): void {
    checkU32(v);
    this.integer(v);
  }

  /** i64 and u64 are JSON strings, exact in every language. */
  i64(v: bigint): void {
    checkI64(v);
    this.bigString(v);
  }

  u64(v: bigint): void {
    checkU64(v);
    this.bigString(v);
  }

  private bigString(b: bigint): void {
    this.sep();
    this.ensure(22);
    this.buf[this.pos++] = QUOTE;
    if (b >= -0x1fffffffffffffn && b <= 0x1fffffffffffffn) this.digits(Number(b));
    else this.ascii(b.toString());
    this.buf[this.pos++] = QUOTE;
  }

  /** A safe integer, as decimal digits with no exponent. */
  integer(v: number): void {
    this.sep();
    this.ensure(17);
    this.digits(v);
  }

  /** Writes the decimal digits of a safe integer without building a string. */
  private digits(v: number): void {
    const buf = this.buf;
    if (v < 0) {
      buf[this.pos++] = 0x2d;
      v = -v;
    }
    if (v < 10) {
      buf[this.pos++] = 0x30 + v;
      return;
    }
    let n = 0;
    for (let t = v; t >= 1; t = Math.floor(t / 10)) n++;
    let p = this.pos + n;
    this.pos = p;
    while (v >= 1) {
      const q = Math.floor(v / 10);
      buf[--p] = 0x30 + (v - q * 10);
      v = q;
    }
  }

  f64(v: number): void {
    checkF64(v);
    if (Number.isSafeInteger(v) && !Object.is(v, -0)) return this.integer(v);
    if (!Number.isFinite(v)) return this.rawValue(v !== v ? TEXT_NAN : v > 0 ? TEXT_INF : TEXT_NEG_INF);
    this.sep();
    this.ascii(formatF64(v));
  }

  f32(v: number): void {
    checkF32(v);
    v = Math.fround(v);
    if (!Number.isFinite(v)) return this.rawValue(v !== v ? TEXT_NAN : v > 0 ? TEXT_INF : TEXT_NEG_INF);
    this.sep();
    this.ascii(formatF32(v));
  }

  /** Appends an ASCII-only string (number text). */
  private ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  string(s: string): void {
    if (typeof s !== 'string') throw mismatch('string', s);
    this.sep();
    const len = s.length;
    // Worst case: every unit escaped as \u00XX (6 bytes), plus the quotes.
    this.ensure(len * 6 + 2);
    const buf = this.buf;
    buf[this.pos++] = QUOTE;
    if (len > NATIVE_FROM && !NEEDS_ESCAPE.test(s)) {
      this.pos += encodeUtf8Into(s, buf, this.pos);
    } else {
      this.escaped(s);
    }
    buf[this.pos++] = QUOTE;
  }

  private escaped(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x20 && c < 0x80) {
        if (c === QUOTE || c === BACKSLASH) buf[p++] = BACKSLASH;
        buf[p++] = c;
      } else if (c < 0x20) {
        buf[p++] = BACKSLASH;
        const short = SHORT_ESCAPE[c];
        if (short !== undefined) buf[p++] = short;
        else {
          buf[p++] = 0x75; // u
          buf[p++] = 0x30;
          buf[p++] = 0x30;
          buf[p++] = HEX.charCodeAt(c >> 4);
          buf[p++] = HEX.charCodeAt(c & 15);
        }
      } else {
        // A run of non-ASCII units goes to the UTF-8 encoder (which also turns lone surrogates
        // into U+FFFD); none of them needs escaping.
        let end = i + 1;
        while (end < s.length && s.charCodeAt(end) >= 0x80) end++;
        p += encodeUtf8Range(s, i, end, buf, p);
        i = end - 1;
      }
    }
    this.pos = p;
  }

  bytes(b: Uint8Array): void {
    checkBytes(b);
    this.sep();
    this.ensure(base64Length(b.length) + 2);
    this.buf[this.pos++] = QUOTE;
    this.pos = encodeBase64Into(b, this.buf, this.pos);
    this.buf[this.pos++] = QUOTE;
  }
}
