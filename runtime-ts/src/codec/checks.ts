// The value checks of every IDL type (docs/wire.md §3.4): what a value must be to be sent. Both
// writers call them before writing, and generated `check` functions call them for calls that are
// never encoded (the direct transport), so a value refused on one path is refused on every path,
// with the same message. A check never converts: a value passes unchanged or is refused.

import { invalid } from './errors.js';
import { describe, I64_MAX, I64_MIN, mismatch, U64_MAX } from './ints.js';
import { checkWellFormed } from './utf8.js';

export function checkBool(v: boolean): void {
  if (typeof v !== 'boolean') throw mismatch('bool', v);
}

// The integer checks test with one bit operation where the type fits in 32 bits; `typeof` first,
// so that a bigint is refused instead of throwing "Cannot mix BigInt and other types".

export function checkI8(v: number): void {
  if (typeof v !== 'number' || (v << 24) >> 24 !== v) throw mismatch('i8', v);
}

export function checkI16(v: number): void {
  if (typeof v !== 'number' || (v << 16) >> 16 !== v) throw mismatch('i16', v);
}

export function checkI32(v: number): void {
  if (typeof v !== 'number' || (v | 0) !== v) throw mismatch('i32', v);
}

export function checkU8(v: number): void {
  if (typeof v !== 'number' || (v & 0xff) !== v) throw mismatch('u8', v);
}

export function checkU16(v: number): void {
  if (typeof v !== 'number' || (v & 0xffff) !== v) throw mismatch('u16', v);
}

export function checkU32(v: number): void {
  if (typeof v !== 'number' || v >>> 0 !== v) throw mismatch('u32', v);
}

/** An i64 is a bigint: a number would reach an in-process handler as a number, a remote one as a bigint. */
export function checkI64(v: bigint): void {
  if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX) throw mismatch('i64', v);
}

export function checkU64(v: bigint): void {
  if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw mismatch('u64', v);
}

/** Any number, NaN and the infinities included; an f32 is rounded to f32 only when written. */
export function checkF32(v: number): void {
  if (typeof v !== 'number') throw mismatch('f32', v);
}

export function checkF64(v: number): void {
  if (typeof v !== 'number') throw mismatch('f64', v);
}

/** A string that is valid Unicode: no lone surrogate, which UTF-8 cannot hold. */
export function checkString(v: string): void {
  if (typeof v !== 'string') throw mismatch('string', v);
  checkWellFormed(v);
}

export function checkBytes(v: Uint8Array): void {
  if (!(v instanceof Uint8Array)) throw mismatch('bytes', v);
}

/** A list value is an array; returns it, for the caller to check its elements. */
export function checkList<T>(v: readonly T[]): readonly T[] {
  if (!Array.isArray(v)) throw mismatch('list', v);
  return v;
}

/** A map value is a Map (its keys and values are checked by the caller). */
export function checkMap<K, V>(v: ReadonlyMap<K, V>): ReadonlyMap<K, V> {
  if (!(v instanceof Map)) throw invalid(`expected a Map, got ${describe(v)}`);
  return v;
}

/** A struct, error or union value is an object; `type` is its IDL name. */
export function checkObject(v: unknown, type: string): void {
  if (typeof v !== 'object' || v === null) throw mismatch(type, v);
}
