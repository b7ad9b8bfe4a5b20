// JSON decoding driven by the expected type (docs/wire.md §3.1), straight from UTF-8 bytes: no
// intermediate JSON.parse tree, so 64-bit integers stay exact, duplicate keys can be detected, no
// object is ever built from untrusted keys, and depth is checked as containers open (including
// values skipped as unknown fields, whose objects must not repeat a key either, §3.1). Whitespace
// between tokens is accepted, as JSON allows.

import type { DecodeLimits } from '../module.js';
import { decodeBase64 } from './base64.js';
import { duplicate, exhausted, invalid } from './errors.js';
import { I64_MAX, I64_MIN, U64_MAX } from './ints.js';
import { KeySet } from './key-set.js';
import { asciiString, decodeUtf8 } from './utf8.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const DECIMAL = /^-?(0|[1-9][0-9]*)$/;
/** Unknown keys of one struct searched in a list up to this many, then kept in a Set. */
const UNKNOWN_SCAN = 16;
const ESCAPES: Record<number, string> = { 0x22: '"', 0x5c: '\\', 0x2f: '/', 0x62: '\b', 0x66: '\f', 0x6e: '\n', 0x72: '\r', 0x74: '\t' };

export class JsonReader {
  readonly buf: Uint8Array;
  pos = 0;
  readonly end: number;
  depth = 0;
  readonly maxDepth: number;
  /** No element or entry has been read yet in the innermost open container. */
  private first = false;
  /** The key nextKey() returned last: skip() files it as an unknown key of the open struct. */
  private lastKey: string | undefined;
  /**
   * Unknown keys skipped in the open structs, as (depth, key) pairs: a stack, since structs nest,
   * and past UNKNOWN_SCAN keys of one struct a Set in `unknownSets` (by depth). `unknownDepth` is
   * the depth of the outermost struct holding some (0: none, so closing an object has nothing to
   * forget); every other one nests in it, so all are forgotten by the time it closes.
   */
  private unknownDepth = 0;
  private unknown: Array<number | string> | undefined;
  private unknownSets: Array<Set<string> | undefined> | undefined;

  constructor(buf: Uint8Array, limits: DecodeLimits) {
    this.buf = buf;
    this.end = buf.length;
    this.maxDepth = limits.maxDepth;
  }

  /** Skips whitespace and returns the next byte without consuming it (-1 at the end). */
  peek(): number {
    const buf = this.buf;
    let p = this.pos;
    while (p < this.end) {
      const c = buf[p]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else {
        this.pos = p;
        return c;
      }
    }
    this.pos = p;
    return -1;
  }

  private expect(c: number, what: string): void {
    if (this.peek() !== c) throw this.unexpected(what);
    this.pos++;
  }

  unexpected(expected: string) {
    const c = this.peek();
    if (c === -1) return invalid(`expected ${expected}, got end of payload`);
    return invalid(`expected ${expected}, got ${tokenName(c)} at byte ${this.pos}`);
  }

  beginObject(): void {
    this.expect(0x7b, 'object');
    this.enter();
  }

  /** The next key of the open object (its `:` consumed), or undefined after its closing `}`. */
  nextKey(): string | undefined {
    let c = this.peek();
    if (c === 0x7d) {
      this.pos++;
      if (this.unknownDepth !== 0) this.forgetUnknown();
      this.depth--;
      this.first = false;
      return undefined;
    }
    if (!this.first) {
      if (c !== 0x2c) throw this.unexpected("',' or '}'");
      this.pos++;
      c = this.peek();
    }
    this.first = false;
    if (c !== QUOTE) throw this.unexpected('a string key');
    const key = this.string();
    this.expect(0x3a, "':'");
    return (this.lastKey = key);
  }

  beginArray(): void {
    this.expect(0x5b, 'array');
    this.enter();
  }

  /** True when another element follows in the open array; false after its closing `]`. */
  nextItem(): boolean {
    const c = this.peek();
    if (c === 0x5d) {
      this.pos++;
      this.depth--;
      this.first = false;
      return false;
    }
    if (!this.first) {
      if (c !== 0x2c) throw this.unexpected("',' or ']'");
      this.pos++;
    }
    this.first = false;
    return true;
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) throw exhausted(`nesting deeper than max_depth ${this.maxDepth}`);
    this.first = true;
  }

  /** Consumes a `null` if one is next (an absent optional). */
  tryNull(): boolean {
    if (this.peek() === 0x6e) {
      this.literal('null');
      return true;
    }
    return false;
  }

  /** The value of a unit union case: null. */
  expectNull(): void {
    if (!this.tryNull()) throw this.unexpected('null');
  }

  bool(): boolean {
    const c = this.peek();
    if (c === 0x74) {
      this.literal('true');
      return true;
    }
    if (c === 0x66) {
      this.literal('false');
      return false;
    }
    throw this.unexpected('bool');
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++) {
      if (this.buf[this.pos + i] !== word.charCodeAt(i)) throw invalid(`invalid literal at byte ${this.pos}`);
    }
    this.pos += word.length;
  }

  /** A JSON number whose value is an integer in [min, max]. */
  int(min: number, max: number, type: string): number {
    if (!isNumberStart(this.peek())) throw this.unexpected(type);
    const v = this.number();
    if (!Number.isInteger(v)) throw invalid(`expected ${type}, got ${v}`);
    if (v < min || v > max) throw invalid(`${type} out of range: ${v}`);
    return v;
  }

  /** i64/u64: canonically a decimal string; a JSON number with an integer value is accepted. */
  bigint(signed: boolean): bigint {
    const type = signed ? 'i64' : 'u64';
    const c = this.peek();
    let v: bigint;
    if (c === QUOTE) {
      const s = this.string();
      if (!DECIMAL.test(s)) throw invalid(`expected ${type} as a decimal string, got ${JSON.stringify(s)}`);
      v = BigInt(s);
    } else if (isNumberStart(c)) {
      const start = this.pos;
      const n = this.number();
      const text = asciiString(this.buf, start, this.pos);
      if (DECIMAL.test(text)) v = BigInt(text);
      else if (Number.isSafeInteger(n)) v = BigInt(n);
      else throw invalid(`expected ${type}, got ${text}`);
    } else throw this.unexpected(type);
    if (signed ? v < I64_MIN || v > I64_MAX : v < 0n || v > U64_MAX) throw invalid(`${type} out of range: ${v}`);
    return v;
  }

  f64(): number {
    const c = this.peek();
    if (isNumberStart(c)) return this.number();
    if (c === QUOTE) {
      const s = this.string();
      if (s === 'NaN') return NaN;
      if (s === 'Infinity') return Infinity;
      if (s === '-Infinity') return -Infinity;
      throw invalid(`expected a number, "NaN", "Infinity" or "-Infinity", got ${JSON.stringify(s)}`);
    }
    throw this.unexpected('number');
  }

  f32(): number {
    return Math.fround(this.f64());
  }

  /** Scans a JSON number per RFC 8259's grammar and returns its value. */
  private number(): number {
    const buf = this.buf;
    const start = this.pos;
    let p = start;
    if (buf[p] === 0x2d) p++;
    if (buf[p] === 0x30) p++;
    else if (isDigit(buf[p])) while (isDigit(buf[p])) p++;
    else throw invalid(`invalid number at byte ${start}`);
    let integral = true;
    if (buf[p] === 0x2e) {
      p++;
      if (!isDigit(buf[p])) throw invalid(`invalid number at byte ${start}`);
      while (isDigit(buf[p])) p++;
      integral = false;
    }
    if (buf[p] === 0x65 || buf[p] === 0x45) {
      p++;
      if (buf[p] === 0x2b || buf[p] === 0x2d) p++;
      if (!isDigit(buf[p])) throw invalid(`invalid number at byte ${start}`);
      while (isDigit(buf[p])) p++;
      integral = false;
    }
    this.pos = p;
    // Short integers (the common case) without building a string.
    if (integral && p - start <= 15) {
      let i = start;
      const negative = buf[i] === 0x2d;
      if (negative) i++;
      let v = 0;
      for (; i < p; i++) v = v * 10 + (buf[i]! - 0x30);
      return negative ? -v : v;
    }
    return Number(asciiString(buf, start, p));
  }

  string(): string {
    if (this.peek() !== QUOTE) throw this.unexpected('string');
    const buf = this.buf;
    const start = ++this.pos;
    let p = start;
    // Fast path: no escapes, so the bytes between the quotes are the string.
    for (;;) {
      if (p >= this.end) throw invalid('unterminated string');
      const c = buf[p]!;
      if (c === QUOTE) {
        this.pos = p + 1;
        return decodeUtf8(buf, start, p);
      }
      if (c === BACKSLASH) break;
      if (c < 0x20) throw invalid(`raw control character in string at byte ${p}`);
      p++;
    }
    return this.escapedString(start, p);
  }

  /** The slow path: `p` is at the first backslash of a string that starts at `start`. */
  private escapedString(start: number, p: number): string {
    const buf = this.buf;
    let out = decodeUtf8(buf, start, p);
    let run = p;
    for (;;) {
      if (p >= this.end) throw invalid('unterminated string');
      const c = buf[p]!;
      if (c === QUOTE) {
        out += decodeUtf8(buf, run, p);
        this.pos = p + 1;
        return out;
      }
      if (c < 0x20) throw invalid(`raw control character in string at byte ${p}`);
      if (c !== BACKSLASH) {
        p++;
        continue;
      }
      out += decodeUtf8(buf, run, p);
      const e = buf[p + 1];
      if (e === 0x75) {
        out += String.fromCharCode(this.hex4(p + 2));
        p += 6;
      } else {
        const s = e === undefined ? undefined : ESCAPES[e];
        if (s === undefined) throw invalid(`invalid escape in string at byte ${p}`);
        out += s;
        p += 2;
      }
      run = p;
    }
  }

  private hex4(p: number): number {
    if (p + 4 > this.end) throw invalid('unterminated string');
    let v = 0;
    for (let i = p; i < p + 4; i++) {
      const c = this.buf[i]!;
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
      if (d < 0) throw invalid(`invalid \\u escape at byte ${p - 2}`);
      v = (v << 4) | d;
    }
    return v;
  }

  /** bytes: a base64 string. */
  bytes(): Uint8Array {
    if (this.peek() !== QUOTE) throw this.unexpected('base64 string');
    const start = this.pos + 1;
    let p = start;
    while (p < this.end && this.buf[p] !== QUOTE) p++;
    if (p >= this.end) throw invalid('unterminated string');
    this.pos = p + 1;
    return decodeBase64(this.buf, start, p);
  }

  /**
   * Skips the value of an unknown struct key that nextKey() just returned, checking it as any
   * other value (its depth, its strings, no object in it repeating a key). The same unknown key
   * twice in one struct is INVALID_ARGUMENT (§3.1; the decoders check known keys themselves).
   */
  skip(): void {
    const key = this.lastKey;
    if (key !== undefined) {
      this.lastKey = undefined;
      this.noteUnknown(key);
    }
    this.skipValue();
    this.lastKey = undefined;
  }

  /**
   * Skips one value, checked as skip() checks it, and returns the view of its bytes (no
   * whitespace around it): for a value carried as raw bytes, such as an error envelope's `detail`.
   * The value is not filed as an unknown key: the caller knows it.
   */
  skipRaw(): Uint8Array {
    this.lastKey = undefined;
    this.peek();
    const start = this.pos;
    this.skipValue();
    return this.buf.subarray(start, this.pos);
  }

  private noteUnknown(key: string): void {
    const d = this.depth;
    if (this.unknownDepth === 0) this.unknownDepth = d;
    const set = this.unknownSets?.[d];
    if (set !== undefined) {
      if (set.has(key)) throw duplicate(`key ${JSON.stringify(key)}`);
      set.add(key);
      return;
    }
    const u = (this.unknown ??= []);
    let count = 0;
    for (let i = u.length - 2; i >= 0 && u[i] === d; i -= 2, count++) {
      if (u[i + 1] === key) throw duplicate(`key ${JSON.stringify(key)}`);
    }
    if (count < UNKNOWN_SCAN) {
      u.push(d, key);
      return;
    }
    // Many unknown keys in one struct: a Set from here on, so a payload cannot cost n².
    const keys = new Set<string>([key]);
    while (u.length > 0 && u[u.length - 2] === d) {
      keys.add(u.pop() as string);
      u.pop();
    }
    (this.unknownSets ??= [])[d] = keys;
  }

  /** The object at this depth is closing: its unknown keys no longer count. */
  private forgetUnknown(): void {
    const d = this.depth;
    if (this.unknownDepth === d) this.unknownDepth = 0;
    const u = this.unknown!;
    while (u.length > 0 && u[u.length - 2] === d) {
      u.pop();
      u.pop();
    }
    if (this.unknownSets !== undefined) this.unknownSets[d] = undefined;
  }

  /** Skips one value of any type, counting its depth like any other. */
  private skipValue(): void {
    const c = this.peek();
    if (c === 0x7b) {
      this.beginObject();
      let keys: KeySet<string> | undefined;
      let one: string | undefined;
      for (let k = this.nextKey(); k !== undefined; k = this.nextKey()) {
        // The first key needs no set: most skipped objects are small.
        if (one === undefined) one = k;
        else if (!(keys ??= newKeySet(one)).add(k)) throw duplicate(`key ${JSON.stringify(k)}`);
        this.skipValue();
      }
    } else if (c === 0x5b) {
      this.beginArray();
      while (this.nextItem()) this.skipValue();
    } else if (c === QUOTE) this.string();
    else if (c === 0x74) this.literal('true');
    else if (c === 0x66) this.literal('false');
    else if (c === 0x6e) this.literal('null');
    else if (isNumberStart(c)) this.number();
    else throw this.unexpected('a value');
  }

  /** Throws unless only whitespace remains. */
  finish(): void {
    if (this.peek() !== -1) throw invalid(`unexpected data after the value at byte ${this.pos}`);
  }
}

function newKeySet(first: string): KeySet<string> {
  const keys = new KeySet<string>();
  keys.add(first);
  return keys;
}

function isDigit(c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

function isNumberStart(c: number): boolean {
  return c === 0x2d || (c >= 0x30 && c <= 0x39);
}

function tokenName(c: number): string {
  switch (c) {
    case 0x7b: return 'object';
    case 0x5b: return 'array';
    case QUOTE: return 'string';
    case 0x74: case 0x66: return 'bool';
    case 0x6e: return 'null';
    case 0x7d: return "'}'";
    case 0x5d: return "']'";
    case 0x2c: return "','";
    case 0x3a: return "':'";
    default: return isNumberStart(c) ? 'number' : `byte 0x${c.toString(16).padStart(2, '0')}`;
  }
}
