// Integer ranges and the "expected i32, got 1.5" error, shared by the writers' and readers' checks
// (checks.ts has the value checks themselves).

import { invalid, type CodecError } from './errors.js';

export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
export const U64_MAX = 2n ** 64n - 1n;

export type IntKind = 'i8' | 'i16' | 'i32' | 'u8' | 'u16' | 'u32';

export const INT_RANGE: Readonly<Record<IntKind, readonly [number, number]>> = {
  i8: [-0x80, 0x7f],
  i16: [-0x8000, 0x7fff],
  i32: [-0x80000000, 0x7fffffff],
  u8: [0, 0xff],
  u16: [0, 0xffff],
  u32: [0, 0xffffffff],
};

/** "expected i32, got 1.5": what a writer says about a value that does not fit. */
export function mismatch(type: string, v: unknown): CodecError {
  return invalid(`expected ${type}, got ${describe(v)}`);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v.length > 40 ? 'a string' : JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Map) return 'a Map';
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** Throws unless `v` is an integer in [min, max]. */
export function checkRange(v: number, min: number, max: number, type: string): void {
  if (!(typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max)) throw mismatch(type, v);
}
