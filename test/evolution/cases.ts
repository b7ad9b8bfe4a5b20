// The mixed-version matrix as data: what a client built from one version of interop.evolution
// (test/evolution/v1.interop, v2.interop) sees when it calls a server built from the other, one
// case per row of docs/idl.md's table that the two versions exercise. The same outcome is
// expected in every language pair and over every transport; where the codec matters, per codec.

/** What a peer reports for a case (test/evolution/ts/peer.ts). */
export type Outcome =
  | { result: string | null }
  | { events: string[] }
  | { subscribed: true }
  | { error: string; message?: string; type?: string; detail?: string }
  | { mixed_versions: unknown[] };

export interface MatrixCase {
  name: string;
  /** The row of docs/idl.md's table, for the report. */
  row: string;
  function?: string;
  /** Canonical JSON of the parameters. */
  args?: string;
  subscribe?: string;
  /** How many events to wait for after the call. */
  events?: number;
  expect: Outcome | { json: Outcome; msgpack: Outcome };
}

const M = 'interop.evolution';
const mismatch = (here: string, peer: string) => ({
  error: 'SCHEMA_MISMATCH',
  message: `${M}.measure: incompatible with the peer's version: ${M}.Measure #1 is "value:${here}" here, "value:${peer}" on the peer`,
});
const missing = (kind: 'function' | 'event', name: string) => ({
  error: kind === 'function' ? 'UNIMPLEMENTED' : 'NOT_FOUND',
  message: `${M}.${name}: the peer's version of ${M} has no ${kind} ${name}`,
});
const tooBig = { error: 'APPLICATION_ERROR', type: `${M}.TooBig`, detail: '{"limit":10}', message: 'n is above 10' };

/** Cases of a v1 client calling a v2 server. */
const V1_CALLS_V2: MatrixCase[] = [
  { name: 'ping', row: 'unchanged', function: 'ping', args: '{"text":"hi"}', expect: { result: '"v2:hi"' } },
  // The v2 server tags the note; the v1 client skips the field it does not know.
  { name: 'echo_note', row: 'added optional field', function: 'echo_note', args: '{"note":{"text":"hi"}}', expect: { result: '{"text":"hi"}' } },
  { name: 'paint GREEN', row: 'added enum value', function: 'paint', args: '{"color":"GREEN"}', expect: { result: '"GREEN"' } },
  // BLUE (3) is unknown to v1: msgpack keeps the number; JSON sends the name, which v1 cannot read.
  { name: 'favorite', row: 'added enum value', function: 'favorite', expect: { msgpack: { result: '3' }, json: { error: 'INVALID_ARGUMENT' } } },
  { name: 'ticked', row: 'added event', subscribe: 'ticked', function: 'tick', args: '{"n":2}', events: 2, expect: { events: ['{"n":1}', '{"n":2}'] } },
  { name: 'measure', row: 'changed type', function: 'measure', args: '{"m":{"value":5}}', expect: mismatch('i32', 'string') },
  { name: 'legacy', row: 'removed function', function: 'legacy', expect: missing('function', 'legacy') },
  { name: 'check 11', row: 'added error type', function: 'check', args: '{"n":11}', expect: tooBig },
  // TooSmall is v2's: the v1 client gets it as APPLICATION_ERROR with the type's name.
  { name: 'check -1', row: 'added error type', function: 'check', args: '{"n":-1}', expect: { error: 'APPLICATION_ERROR', message: `${M}.TooSmall: n is below 0` } },
];

/** Cases of a v2 client calling a v1 server. */
const V2_CALLS_V1: MatrixCase[] = [
  { name: 'ping', row: 'unchanged', function: 'ping', args: '{"text":"hi"}', expect: { result: '"v1:hi"' } },
  // The v1 server skips the tag it does not know and echoes the note without it.
  { name: 'echo_note', row: 'added optional field', function: 'echo_note', args: '{"note":{"text":"hi","tag":"t"}}', expect: { result: '{"text":"hi"}' } },
  { name: 'paint RED', row: 'added enum value', function: 'paint', args: '{"color":"RED"}', expect: { result: '"RED"' } },
  { name: 'paint BLUE', row: 'added enum value', function: 'paint', args: '{"color":"BLUE"}', expect: { msgpack: { result: '"BLUE"' }, json: { error: 'INVALID_ARGUMENT' } } },
  { name: 'favorite', row: 'added enum value', function: 'favorite', expect: { result: '"GREEN"' } },
  { name: 'extra', row: 'added function', function: 'extra', expect: missing('function', 'extra') },
  { name: 'flashed', row: 'added event', subscribe: 'flashed', expect: missing('event', 'flashed') },
  { name: 'ticked', row: 'added event', subscribe: 'ticked', function: 'tick', args: '{"n":2}', events: 2, expect: { events: ['{"n":1}', '{"n":2}'] } },
  { name: 'measure', row: 'changed type', function: 'measure', args: '{"m":{"value":"5"}}', expect: mismatch('string', 'i32') },
  { name: 'check 11', row: 'added error type', function: 'check', args: '{"n":11}', expect: tooBig },
  { name: 'check -1', row: 'added error type', function: 'check', args: '{"n":-1}', expect: { result: '-1' } },
];

export const CASES = { v1: V1_CALLS_V2, v2: V2_CALLS_V1 };

/** What a client's manifest lists as unavailable on its link (docs/wire.md §7 `mixed_versions`). */
export const UNAVAILABLE = {
  v1: [
    { kind: 'function', member: 'legacy', code: missing('function', 'legacy').error, message: missing('function', 'legacy').message },
    { kind: 'function', member: 'measure', code: 'SCHEMA_MISMATCH', message: mismatch('i32', 'string').message },
  ],
  v2: [
    { kind: 'function', member: 'extra', code: missing('function', 'extra').error, message: missing('function', 'extra').message },
    { kind: 'function', member: 'measure', code: 'SCHEMA_MISMATCH', message: mismatch('string', 'i32').message },
    { kind: 'event', member: 'flashed', code: missing('event', 'flashed').error, message: missing('event', 'flashed').message },
  ],
};

export function expected(c: MatrixCase, codec: 'json' | 'msgpack'): Outcome {
  return 'json' in c.expect && 'msgpack' in c.expect ? c.expect[codec] : (c.expect as Outcome);
}

/** JSON with sorted keys, so that key order does not matter. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Why `got` is not the expected outcome, or undefined when it is (fields the expectation leaves out are not compared). */
export function mismatchOf(want: Outcome, got: Outcome | undefined): string | undefined {
  if (got === undefined) return 'no outcome reported';
  const differs = Object.keys(want).some((f) => stable((got as Record<string, unknown>)[f]) !== stable((want as Record<string, unknown>)[f]));
  if (differs || ('error' in got && !('error' in want))) return `expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`;
  return undefined;
}
