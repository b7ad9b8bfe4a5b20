// Map helpers for generated and dynamic codecs. Canonical encodings sort map entries by key
// (docs/wire.md §3): integers and enums numerically, strings by their UTF-8 bytes.

import { invalid } from './errors.js';
import { compareUtf8 } from './utf8.js';

/** How a map's keys are ordered on the wire. */
export type KeyOrder = 'number' | 'bigint' | 'string';

function compareNumbers(a: [number, unknown], b: [number, unknown]): number {
  return a[0] - b[0];
}

function compareBigints(a: [bigint, unknown], b: [bigint, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function compareStrings(a: [string, unknown], b: [string, unknown]): number {
  return compareUtf8(a[0], b[0]);
}

/** The entries of `map` in canonical key order. */
export function sortedEntries<K, V>(map: ReadonlyMap<K, V>, order: KeyOrder): Array<[K, V]> {
  if (!(map instanceof Map)) throw invalid(`expected a Map, got ${map === null ? 'null' : typeof map}`);
  const entries = [...map];
  if (entries.length > 1) {
    const cmp = order === 'number' ? compareNumbers : order === 'bigint' ? compareBigints : compareStrings;
    entries.sort(cmp as unknown as (a: [K, V], b: [K, V]) => number);
  }
  return entries;
}

/** Adds a decoded entry; a key seen twice is INVALID_ARGUMENT. */
export function putUnique<K, V>(map: Map<K, V>, key: K, value: V): void {
  if (map.has(key)) throw invalid(`duplicate map key ${String(key)}`);
  map.set(key, value);
}

/** Parses a JSON map key holding an integer: canonical decimal only. */
export function parseIntKey(key: string, min: number, max: number, type: string): number {
  if (!/^-?(0|[1-9][0-9]*)$/.test(key)) throw invalid(`expected ${type} map key, got ${JSON.stringify(key)}`);
  const v = Number(key);
  if (v < min || v > max) throw invalid(`${type} map key out of range: ${key}`);
  return v;
}

/** Parses a JSON map key holding an i64/u64. */
export function parseBigIntKey(key: string, signed: boolean): bigint {
  if (!/^-?(0|[1-9][0-9]*)$/.test(key)) {
    throw invalid(`expected ${signed ? 'i64' : 'u64'} map key, got ${JSON.stringify(key)}`);
  }
  const v = BigInt(key);
  if (signed ? v < -(2n ** 63n) || v >= 2n ** 63n : v < 0n || v >= 2n ** 64n) {
    throw invalid(`${signed ? 'i64' : 'u64'} map key out of range: ${key}`);
  }
  return v;
}
