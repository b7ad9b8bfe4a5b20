// Map helpers for generated and dynamic codecs. Canonical encodings sort map entries by key
// (docs/wire.md §3): integers and enums numerically, strings by their UTF-8 bytes.

import { checkMap } from './checks.js';
import { type CodecError, invalid, withPath } from './errors.js';
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

/** Native comparison: equal to UTF-8 order when neither key has a unit at or above U+D800. */
function compareBmpStrings(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** Whether a string has a UTF-16 unit at or above U+D800 (where UTF-16 and UTF-8 orders differ). */
const HIGH_UNIT = /[\ud800-\uffff]/;

/** The entries of `map` in canonical key order. */
export function sortedEntries<K, V>(map: ReadonlyMap<K, V>, order: KeyOrder): Array<[K, V]> {
  checkMap(map);
  const entries = Array.from(map);
  if (entries.length > 1) {
    let cmp: (a: [never, unknown], b: [never, unknown]) => number;
    if (order === 'number') cmp = compareNumbers;
    else if (order === 'bigint') cmp = compareBigints;
    else {
      // The engine's string comparison is much faster than a JS loop, and exact unless a key has
      // a unit at or above U+D800; one scan per key decides.
      cmp = compareBmpStrings;
      for (const e of entries) {
        if (HIGH_UNIT.test(e[0] as string)) {
          cmp = compareStrings;
          break;
        }
      }
    }
    entries.sort(cmp as unknown as (a: [K, V], b: [K, V]) => number);
  }
  return entries;
}

/**
 * The entries of `map` in canonical key order, for encoders: the map itself when it is already in
 * order (maps are usually built in key order, and every decoded map is), else a sorted copy.
 * Checking costs one comparison per entry; sorting allocates a pair per entry.
 */
export function mapEntries<K, V>(map: ReadonlyMap<K, V>, order: KeyOrder): Iterable<[K, V]> {
  checkMap(map);
  if (map.size < 2) return map as Iterable<[K, V]>;
  let prev: K | undefined;
  let first = true;
  for (const k of map.keys()) {
    // Native `<` works for numbers, bigints and, when no unit is at or above U+D800, strings.
    if (!first && !(prev! < k)) return sortedEntries(map, order);
    if (order === 'string' && HIGH_UNIT.test(k as string)) return sortedEntries(map, order);
    prev = k;
    first = false;
  }
  return map as Iterable<[K, V]>;
}

/** Adds a decoded entry; a key seen twice is INVALID_ARGUMENT. */
export function putUnique<K, V>(map: Map<K, V>, key: K, value: V): void {
  // One hash lookup instead of has() + set(): a new key grows the map, a duplicate does not.
  const size = map.size;
  map.set(key, value);
  if (map.size === size) throw invalid(`duplicate map key ${String(key)}`);
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

/**
 * The error of a map's check (generated `check` functions): that of the first bad entry in the
 * order the encoders write, so that a map with several bad entries is reported as they report it
 * (`["b"]: expected u32, got -1`). The check itself walks the map in its own order, which costs
 * nothing more; this runs only once it has found a bad entry (`e`), and checks again with `check`.
 */
export function mapEntryError<K, V>(e: unknown, map: ReadonlyMap<K, V>, order: KeyOrder, check: (key: K, value: V) => void): CodecError {
  for (const [key, value] of mapEntries(map, order)) {
    try {
      check(key, value);
    } catch (error) {
      return withPath(error, `[${order === 'string' ? JSON.stringify(key) : String(key)}]`);
    }
  }
  return withPath(e, '[?]');
}
