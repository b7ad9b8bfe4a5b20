// Just enough msgpack for the error envelope: a writer for maps of small uints and strings, and a
// bounds-checked reader that can skip any value (counting depth) and return its raw span.

import { ErrorCode, InteropError } from '../errors.js';
import { invalid } from './json-scan.js';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Growable byte writer producing canonical (smallest-format) msgpack heads. */
export class MsgpackWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  raw(bytes: Uint8Array): this {
    this.parts.push(bytes);
    this.size += bytes.length;
    return this;
  }

  private head(bytes: number[]): this {
    return this.raw(Uint8Array.from(bytes));
  }

  mapHeader(n: number): this {
    if (n < 16) return this.head([0x80 | n]);
    if (n < 0x10000) return this.head([0xde, n >> 8, n & 0xff]);
    return this.head([0xdf, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  }

  uint(n: number): this {
    if (n < 0x80) return this.head([n]);
    if (n < 0x100) return this.head([0xcc, n]);
    if (n < 0x10000) return this.head([0xcd, n >> 8, n & 0xff]);
    return this.head([0xce, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  }

  str(s: string): this {
    const b = utf8.encode(s);
    const n = b.length;
    if (n < 32) this.head([0xa0 | n]);
    else if (n < 0x100) this.head([0xd9, n]);
    else if (n < 0x10000) this.head([0xda, n >> 8, n & 0xff]);
    else this.head([0xdb, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
    return this.raw(b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

/** Reads msgpack from a buffer; every length is checked against the bytes left before use. */
export class MsgpackReader {
  pos = 0;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) throw invalid('msgpack: unexpected end');
  }

  /** A declared length or count that claims more than remains is RESOURCE_EXHAUSTED (docs/wire.md §3). */
  private claim(n: number, what: string): void {
    if (n > this.bytes.length - this.pos) throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `msgpack: ${what} of ${n} exceeds the ${this.bytes.length - this.pos} bytes left`);
  }

  private byte(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private uintN(n: 1 | 2 | 4 | 8): number {
    this.need(n);
    const v = this.view;
    const p = this.pos;
    this.pos += n;
    if (n === 1) return v.getUint8(p);
    if (n === 2) return v.getUint16(p);
    if (n === 4) return v.getUint32(p);
    const big = v.getBigUint64(p);
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw invalid('msgpack: integer too large');
    return Number(big);
  }

  mapHeader(depth: number): number {
    if (depth > this.maxDepth) throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `msgpack nesting exceeds max_depth ${this.maxDepth}`);
    const c = this.byte();
    let n: number;
    if ((c & 0xf0) === 0x80) n = c & 0x0f;
    else if (c === 0xde) n = this.uintN(2);
    else if (c === 0xdf) n = this.uintN(4);
    else throw invalid(`msgpack: expected a map, got 0x${c.toString(16)}`);
    // Each entry needs at least 2 bytes: reject impossible counts before looping.
    this.claim(n * 2, 'map count');
    return n;
  }

  /** Any non-negative integer format. */
  uint(): number {
    const c = this.byte();
    if (c < 0x80) return c;
    if (c === 0xcc) return this.uintN(1);
    if (c === 0xcd) return this.uintN(2);
    if (c === 0xce) return this.uintN(4);
    if (c === 0xcf) return this.uintN(8);
    if (c >= 0xd0 && c <= 0xd3) {
      this.pos--;
      const v = this.int();
      if (v < 0) throw invalid('msgpack: expected an unsigned integer');
      return v;
    }
    throw invalid(`msgpack: expected an integer, got 0x${c.toString(16)}`);
  }

  private int(): number {
    const c = this.byte();
    const size = ({ 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8 } as Record<number, number>)[c]!;
    this.need(size);
    const p = this.pos;
    this.pos += size;
    if (size === 1) return this.view.getInt8(p);
    if (size === 2) return this.view.getInt16(p);
    if (size === 4) return this.view.getInt32(p);
    const big = this.view.getBigInt64(p);
    if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) throw invalid('msgpack: integer too large');
    return Number(big);
  }

  str(): string {
    const c = this.byte();
    let n: number;
    if ((c & 0xe0) === 0xa0) n = c & 0x1f;
    else if (c === 0xd9) n = this.uintN(1);
    else if (c === 0xda) n = this.uintN(2);
    else if (c === 0xdb) n = this.uintN(4);
    else throw invalid(`msgpack: expected a string, got 0x${c.toString(16)}`);
    this.claim(n, 'string length');
    try {
      return strictUtf8.decode(this.bytes.subarray(this.pos, (this.pos += n)));
    } catch {
      throw invalid('msgpack: string is not valid UTF-8');
    }
  }

  isNil(): boolean {
    this.need(1);
    return this.bytes[this.pos] === 0xc0;
  }

  /** Skips one value (its containers count from `depth`) and returns its raw span. */
  skip(depth: number): Uint8Array {
    const start = this.pos;
    this.skipValue(depth);
    return this.bytes.subarray(start, this.pos);
  }

  private skipValue(depth: number): void {
    const c = this.byte();
    if (c < 0x80 || c >= 0xe0 || c === 0xc0 || c === 0xc2 || c === 0xc3) return;
    if ((c & 0xf0) === 0x80) return this.skipEntries(c & 0x0f, 2, depth + 1);
    if ((c & 0xf0) === 0x90) return this.skipEntries(c & 0x0f, 1, depth + 1);
    if ((c & 0xe0) === 0xa0) return this.advance(c & 0x1f);
    switch (c) {
      case 0xcc: case 0xd0: return this.advance(1);
      case 0xcd: case 0xd1: return this.advance(2);
      case 0xce: case 0xd2: case 0xca: return this.advance(4);
      case 0xcf: case 0xd3: case 0xcb: return this.advance(8);
      case 0xc4: case 0xd9: return this.advanceClaimed(this.uintN(1));
      case 0xc5: case 0xda: return this.advanceClaimed(this.uintN(2));
      case 0xc6: case 0xdb: return this.advanceClaimed(this.uintN(4));
      case 0xdc: return this.skipEntries(this.uintN(2), 1, depth + 1);
      case 0xdd: return this.skipEntries(this.uintN(4), 1, depth + 1);
      case 0xde: return this.skipEntries(this.uintN(2), 2, depth + 1);
      case 0xdf: return this.skipEntries(this.uintN(4), 2, depth + 1);
      default: throw invalid(`msgpack: unexpected type 0x${c.toString(16)}`);
    }
  }

  private advance(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private advanceClaimed(n: number): void {
    this.claim(n, 'length');
    this.pos += n;
  }

  private skipEntries(count: number, per: 1 | 2, depth: number): void {
    if (depth > this.maxDepth) throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `msgpack nesting exceeds max_depth ${this.maxDepth}`);
    this.claim(count * per, 'element count');
    for (let i = 0; i < count * per; i++) this.skipValue(depth);
  }

  end(): void {
    if (this.pos !== this.bytes.length) throw invalid(`msgpack: trailing bytes at ${this.pos}`);
  }
}
