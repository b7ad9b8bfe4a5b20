// UTF-8 helpers shared by both codecs. Short strings are the common case in messages, and for them
// a plain loop beats crossing into TextEncoder/TextDecoder; long strings go native.

import { invalid, type CodecError } from './errors.js';

const encoder = new TextEncoder();
// fatal: invalid UTF-8 is an error, never silently replaced. ignoreBOM: a string may legitimately
// start with U+FEFF, which the default decoder would strip.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Above this many UTF-16 units, TextEncoder.encodeInto is faster than the loop below. */
const NATIVE_ENCODE_FROM = 48;
/** Above this many bytes, TextDecoder is faster than checking for ASCII first. */
const NATIVE_DECODE_FROM = 64;

/**
 * Node's Buffer#latin1Slice makes a flat string from bytes in one native call; for ASCII bytes it
 * is exactly the string. Elsewhere String.fromCharCode does the same job a little slower.
 */
const latin1Slice = (globalThis as { Buffer?: { prototype: { latin1Slice?: (start: number, end: number) => string } } }).Buffer
  ?.prototype.latin1Slice;

/**
 * Short ASCII strings repeat a lot in messages (map keys, tags, names). A small direct-mapped cache
 * of recent ones, like msgpackr's key cache, saves decoding them again. Bounded: 4096 slots of at
 * most 32 bytes.
 */
const CACHED_UP_TO = 32;
const CACHE_BITS = 12;
const CACHE_SLOTS = 1 << CACHE_BITS;
const cache: string[] = new Array<string>(CACHE_SLOTS).fill('');

/**
 * Decodes 1..32 bytes. A hit returns the string decoded last time from the same bytes: no
 * allocation, and a string already hashed for the Map it is likely headed to. The slot comes from
 * four bytes; comparing the cached string with the bytes decides (it is ASCII, so each char is one
 * byte).
 */
export function shortString(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  const mix = len ^ (buf[start]! << 8) ^ (buf[start + (len >> 1)]! << 16) ^ (buf[end - 1]! << 24);
  const slot = Math.imul(mix, 0x9e3779b1) >>> (32 - CACHE_BITS);
  const cached = cache[slot]!;
  if (cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cached;
  }
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return decodeNative(buf, start, end);
  const str = asciiString(buf, start, end);
  cache[slot] = str;
  return str;
}

/** A string from bytes known to be ASCII (number text, already-checked runs). */
export function asciiString(buf: Uint8Array, start: number, end: number): string {
  if (latin1Slice !== undefined) return latin1Slice.call(buf, start, end);
  return String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
}

type WellFormed = { isWellFormed(this: string): boolean; toWellFormed(this: string): string };
const { isWellFormed, toWellFormed } = String.prototype as unknown as WellFormed;

/**
 * Writes `s` as UTF-8 at `buf[pos]`; the caller guarantees `3 * s.length` bytes of room. A lone
 * surrogate, which UTF-8 cannot hold, is INVALID_ARGUMENT (docs/wire.md §3.4): TextEncoder would
 * write U+FFFD instead. Returns the number of bytes written.
 */
export function encodeUtf8Into(s: string, buf: Uint8Array, pos: number): number {
  if (s.length > NATIVE_ENCODE_FROM) {
    checkWellFormed(s);
    return encoder.encodeInto(s, buf.subarray(pos)).written;
  }
  return encodeUtf8Range(s, 0, s.length, buf, pos);
}

/** Like encodeUtf8Into for the UTF-16 units `s[from, to)`, in plain JavaScript. */
export function encodeUtf8Range(s: string, from: number, to: number, buf: Uint8Array, pos: number): number {
  let p = pos;
  for (let i = from; i < to; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      buf[p++] = c;
    } else if (c < 0x800) {
      buf[p++] = 0xc0 | (c >> 6);
      buf[p++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 1 < to ? s.charCodeAt(i + 1) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[p++] = 0xf0 | (c >> 18);
          buf[p++] = 0x80 | ((c >> 12) & 0x3f);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
          continue;
        }
        throw loneSurrogate(s);
      }
      buf[p++] = 0xe0 | (c >> 12);
      buf[p++] = 0x80 | ((c >> 6) & 0x3f);
      buf[p++] = 0x80 | (c & 0x3f);
    }
  }
  return p - pos;
}

/** Decodes `buf[start, end)` as strict UTF-8. */
export function decodeUtf8(buf: Uint8Array, start: number, end: number): string {
  const len = end - start;
  if (len === 0) return '';
  if (len <= CACHED_UP_TO) return shortString(buf, start, end);
  if (len <= NATIVE_DECODE_FROM) {
    for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return decodeNative(buf, start, end);
    return asciiString(buf, start, end);
  }
  return decodeNative(buf, start, end);
}

function decodeNative(buf: Uint8Array, start: number, end: number): string {
  try {
    return decoder.decode(buf.subarray(start, end));
  } catch {
    throw invalid('invalid UTF-8 in string');
  }
}

/** Throws INVALID_ARGUMENT unless `s` is valid Unicode (no lone surrogate, which UTF-8 cannot hold). */
export function checkWellFormed(s: string): void {
  if (!isWellFormed.call(s)) throw loneSurrogate(s);
}

/** The error for a string holding a lone surrogate: which one, and where. */
function loneSurrogate(s: string): CodecError {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    return invalid(`expected string, got one with a lone surrogate (U+${c.toString(16).toUpperCase()} at index ${i})`);
  }
  return invalid('expected string, got one with a lone surrogate');
}

/**
 * Text that is not a value of the schema (an error message, a handshake field) with each lone
 * surrogate replaced by U+FFFD, so that it can always be written.
 */
export function wellFormed(s: string): string {
  return toWellFormed.call(s);
}

/** UTF-8 bytes of a string, for precomputed keys and tests. */
export function utf8Bytes(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * Orders strings by their UTF-8 bytes, which is code-point order. JavaScript's `<` compares UTF-16
 * units instead, which puts U+E000..U+FFFF after astral characters; shifting the units fixes that.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x += x <= 0xdfff ? 0x2000 : -0x800;
    if (y >= 0xd800) y += y <= 0xdfff ? 0x2000 : -0x800;
    return x - y;
  }
  return a.length - b.length;
}
