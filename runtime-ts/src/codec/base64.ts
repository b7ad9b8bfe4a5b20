// Standard base64 (RFC 4648 §4, with padding) straight into and out of byte buffers: bytes fields
// in JSON are base64 strings, and going through an intermediate string would double the copies.

import { invalid } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ENCODE = new Uint8Array(64);
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  ENCODE[i] = ALPHABET.charCodeAt(i);
  DECODE[ALPHABET.charCodeAt(i)] = i;
}
const PAD = 0x3d; // '='

export function base64Length(n: number): number {
  return Math.ceil(n / 3) * 4;
}

/** Writes the base64 text of `src` at `out[pos]`; returns the new position. */
export function encodeBase64Into(src: Uint8Array, out: Uint8Array, pos: number): number {
  const n = src.length;
  const whole = n - (n % 3);
  let p = pos;
  for (let i = 0; i < whole; i += 3) {
    const v = (src[i]! << 16) | (src[i + 1]! << 8) | src[i + 2]!;
    out[p++] = ENCODE[v >> 18]!;
    out[p++] = ENCODE[(v >> 12) & 63]!;
    out[p++] = ENCODE[(v >> 6) & 63]!;
    out[p++] = ENCODE[v & 63]!;
  }
  if (n - whole === 1) {
    const v = src[whole]! << 16;
    out[p++] = ENCODE[v >> 18]!;
    out[p++] = ENCODE[(v >> 12) & 63]!;
    out[p++] = PAD;
    out[p++] = PAD;
  } else if (n - whole === 2) {
    const v = (src[whole]! << 16) | (src[whole + 1]! << 8);
    out[p++] = ENCODE[v >> 18]!;
    out[p++] = ENCODE[(v >> 12) & 63]!;
    out[p++] = ENCODE[(v >> 6) & 63]!;
    out[p++] = PAD;
  }
  return p;
}

/** Decodes base64 text in `src[start, end)`. Padding is required, as the canonical form has it. */
export function decodeBase64(src: Uint8Array, start: number, end: number): Uint8Array {
  const len = end - start;
  if (len % 4 !== 0) throw invalid('invalid base64: length is not a multiple of 4');
  if (len === 0) return new Uint8Array(0);
  const pad = src[end - 1] === PAD ? (src[end - 2] === PAD ? 2 : 1) : 0;
  const out = new Uint8Array((len / 4) * 3 - pad);
  // Every group but the last has four data characters and yields three bytes.
  const lastGroup = end - 4;
  let o = 0;
  let bad = 0;
  for (let i = start; i < lastGroup; i += 4) {
    const v = (DECODE[src[i]!]! << 18) | (DECODE[src[i + 1]!]! << 12) | (DECODE[src[i + 2]!]! << 6) | DECODE[src[i + 3]!]!;
    bad |= v; // any -1 lookup makes v negative
    out[o] = v >> 16;
    out[o + 1] = v >> 8;
    out[o + 2] = v;
    o += 3;
  }
  if (bad < 0) throw invalid('invalid base64 character');
  const a = DECODE[src[lastGroup]!]!;
  const b = DECODE[src[lastGroup + 1]!]!;
  const c = pad === 2 ? 0 : DECODE[src[lastGroup + 2]!]!;
  const d = pad >= 1 ? 0 : DECODE[src[lastGroup + 3]!]!;
  if ((a | b | c | d) < 0) throw invalid('invalid base64 character');
  const v = (a << 18) | (b << 12) | (c << 6) | d;
  out[o++] = v >> 16;
  if (o < out.length) out[o++] = (v >> 8) & 0xff;
  if (o < out.length) out[o++] = v & 0xff;
  return out;
}
