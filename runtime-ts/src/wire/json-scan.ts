// Just enough JSON for the runtime's own documents (error envelope, handshake): canonical string
// writing (docs/wire.md §3.1) and a byte-level scanner that finds the raw span of a value, so an
// envelope's `detail` can be handed to the error type's generated codec without re-encoding.

import { ErrorCode, InteropError } from '../errors.js';

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * A JSON string literal in the canonical form: JSON.stringify already escapes exactly `"`, `\`
 * and U+0000–U+001F (lowercase hex) and leaves U+2028/2029 raw; lone surrogates, which it would
 * escape, are replaced by U+FFFD first.
 */
export function jsonString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, '\ufffd'));
}

/** Canonical JSON of a plain document: object keys sorted by UTF-8 bytes, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
    return String(value);
  }
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => compareUtf8(a, b));
    return `{${entries.map(([k, v]) => `${jsonString(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
}

function compareUtf8(a: string, b: string): number {
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

export function invalid(message: string): InteropError {
  return new InteropError(ErrorCode.INVALID_ARGUMENT, message);
}

/** A cursor over JSON bytes. Throws INVALID_ARGUMENT on bad input, RESOURCE_EXHAUSTED on depth. */
export class JsonScanner {
  pos = 0;
  constructor(
    readonly bytes: Uint8Array,
    private readonly maxDepth: number,
  ) {}

  ws(): void {
    const b = this.bytes;
    while (this.pos < b.length && (b[this.pos] === 0x20 || b[this.pos] === 0x0a || b[this.pos] === 0x0d || b[this.pos] === 0x09)) this.pos++;
  }

  peek(): number {
    this.ws();
    if (this.pos >= this.bytes.length) throw invalid('JSON: unexpected end');
    return this.bytes[this.pos]!;
  }

  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) throw invalid(`JSON: expected '${ch}' at byte ${this.pos}`);
    this.pos++;
  }

  /** Consumes `ch` if it is next. */
  eat(ch: string): boolean {
    if (this.pos < this.bytes.length && this.peek() === ch.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** Reads a string literal. */
  string(): string {
    const start = this.pos;
    this.skipString();
    try {
      return JSON.parse(strictUtf8.decode(this.bytes.subarray(start, this.pos))) as string;
    } catch {
      throw invalid(`JSON: bad string at byte ${start}`);
    }
  }

  /** Reads an integer number in [0, 2^32). */
  u32(): number {
    this.ws();
    const start = this.pos;
    const b = this.bytes;
    while (this.pos < b.length && b[this.pos]! >= 0x30 && b[this.pos]! <= 0x39) this.pos++;
    const text = strictUtf8.decode(b.subarray(start, this.pos));
    const n = Number(text);
    if (text === '' || !Number.isInteger(n) || n > 0xffff_ffff) throw invalid(`JSON: expected a u32 at byte ${start}`);
    return n;
  }

  /** Skips one value of any kind and returns its raw span. `depth` is the level of the value's container. */
  skipValue(depth: number): Uint8Array {
    const c = this.peek();
    const start = this.pos;
    if (c === 0x22) this.skipString();
    else if (c === 0x7b || c === 0x5b) this.skipContainer(depth + 1);
    else this.skipScalar();
    return this.bytes.subarray(start, this.pos);
  }

  /** Iterates an object's keys; call `fn` positioned on each value, which must consume it. */
  object(depth: number, fn: (key: string) => void): void {
    if (depth > this.maxDepth) throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `JSON nesting exceeds max_depth ${this.maxDepth}`);
    this.expect('{');
    if (this.eat('}')) return;
    const seen = new Set<string>();
    do {
      const key = this.string();
      if (seen.has(key)) throw invalid(`JSON: duplicate key ${jsonString(key)}`);
      seen.add(key);
      this.expect(':');
      fn(key);
    } while (this.eat(','));
    this.expect('}');
  }

  end(): void {
    this.ws();
    if (this.pos !== this.bytes.length) throw invalid(`JSON: trailing bytes at ${this.pos}`);
  }

  private skipString(): void {
    this.expect('"');
    const b = this.bytes;
    while (this.pos < b.length) {
      const c = b[this.pos++]!;
      if (c === 0x5c) this.pos++;
      else if (c === 0x22) return;
    }
    throw invalid('JSON: unterminated string');
  }

  private skipContainer(depth: number): void {
    if (depth > this.maxDepth) throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `JSON nesting exceeds max_depth ${this.maxDepth}`);
    if (this.peek() === 0x7b) {
      this.object(depth, () => this.skipValue(depth));
      return;
    }
    this.expect('[');
    if (this.eat(']')) return;
    do this.skipValue(depth);
    while (this.eat(','));
    this.expect(']');
  }

  private skipScalar(): void {
    const b = this.bytes;
    const start = this.pos;
    while (this.pos < b.length && /[-+.0-9a-zA-Z]/.test(String.fromCharCode(b[this.pos]!))) this.pos++;
    const text = strictUtf8.decode(b.subarray(start, this.pos));
    if (text !== 'true' && text !== 'false' && text !== 'null' && !/^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$/.test(text)) {
      throw invalid(`JSON: bad value at byte ${start}`);
    }
  }
}
