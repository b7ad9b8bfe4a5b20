// Keys inside skipped values (docs/wire.md §3.1, §3.2): the same unknown JSON key twice in one
// struct, and any map or object inside a skipped value holding a key twice, are INVALID_ARGUMENT.
// The readers keep unknown JSON keys per open struct (a stack of pairs, a Set for many) and the
// keys of each skipped map in a list, then a Set: these cases walk each path, the key identities
// of msgpack (numbers by value, strings and bin apart, NaN equal to nothing), and what must still
// decode. The golden vectors hold the main cases; Python agrees on all of these.

import { describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { vectorCodecs } from './vector-codecs.js';

const limits = { maxDepth: 64 };
const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** A Point {x: 1, y: 2} whose unknown field 9 holds a map of these keys (hex), each with value nil. */
const skippedMap = (...keys: string[]) => {
  const n = keys.length;
  const head = n < 16 ? (0x80 | n).toString(16) : `de${n.toString(16).padStart(4, '0')}`;
  return `83 0101 0202 09 ${head} ${keys.map((k) => `${k} c0`).join(' ')}`;
};
/** A Point whose JSON object holds unknown keys `keys` (value 0 each) between x and y. */
const pointJson = (keys: string[]) => `{"x":1,${keys.map((k) => `${JSON.stringify(k)}:0,`).join('')}"y":2}`;
const many = range(20).map((i) => `k${i}`);
const intKeys = range(20).map((i) => i.toString(16).padStart(2, '0'));

type Case = [type: string, codec: 'json' | 'msgpack', input: string, what: string];

const accepted: Case[] = [
  ['Point', 'msgpack', skippedMap(...intKeys), '20 distinct integer keys (past the list, into a Set)'],
  ['Point', 'msgpack', skippedMap('cb7ff8000000000000', 'cb7ff8000000000000'), 'NaN twice: NaN equals no key'],
  ['Point', 'msgpack', skippedMap('cf0020000000000000', 'cf0020000000000001'), '2^53 and 2^53 + 1'],
  ['Point', 'msgpack', skippedMap('cb4340000000000000', 'cf0020000000000001'), 'float 2^53 and integer 2^53 + 1'],
  ['Point', 'msgpack', skippedMap('a161', 'c40161', 'c0', 'c2'), '"a", bin 61, nil and false are four keys'],
  ['Point', 'msgpack', '83 0101 0202 09 92 8101c0 8101c0', 'a key in two sibling skipped maps'],
  ['Point', 'json', pointJson(many), '20 distinct unknown keys (past the list, into a Set)'],
  ['Points', 'json', `[${pointJson(many)},${pointJson(many)}]`, 'the same 20 unknown keys in sibling structs'],
  ['Line', 'json', `{"from":${pointJson(many)},"k0":1,"to":${pointJson(['k0'])}}`, 'outer and inner structs share a key'],
  ['Point', 'json', `{"x":1,"u":{${many.map((k) => `"${k}":{"${k}":[]}`).join(',')}},"y":2}`, 'a skipped object of 20 keys'],
];

const rejected: Case[] = [
  ['Point', 'msgpack', skippedMap(...intKeys, 'cc13'), 'a repeat after 20 distinct keys (Set)'],
  ['Point', 'msgpack', skippedMap('c3', '01'), 'true and 1: one number'],
  ['Point', 'msgpack', skippedMap('00', 'cb8000000000000000'), '0 and -0.0'],
  ['Point', 'msgpack', skippedMap('ca3fc00000', 'cb3ff8000000000000'), 'f32 1.5 and f64 1.5'],
  ['Point', 'msgpack', skippedMap('cfffffffffffffffff', 'cfffffffffffffffff'), 'u64 max twice'],
  ['Point', 'msgpack', skippedMap('cb4340000000000000', 'cf0020000000000000'), 'float 2^53 and integer 2^53'],
  ['Point', 'msgpack', skippedMap('d3ffffffffffffffff', 'ff'), '-1 as int64 and as fixint'],
  ['Point', 'msgpack', skippedMap('c0', 'c0'), 'nil twice'],
  ['Point', 'msgpack', skippedMap('c40161', 'c5000161'), 'bin 61 as bin8 and bin16'],
  ['Point', 'msgpack', skippedMap('80'), 'a map as a key'],
  ['Point', 'json', pointJson([...many, 'k7']), 'an unknown key repeated after 20 (Set)'],
  ['Points', 'json', `[${pointJson(many)},${pointJson([...many, 'k19'])}]`, 'the second sibling repeats a key (Set)'],
  ['Point', 'json', `{"x":1,"u":{${[...many, 'k3'].map((k) => `"${k}":0`).join(',')}},"y":2}`, 'a skipped object repeating a key after 20'],
];

const bytes = (codec: 'json' | 'msgpack', input: string) => (codec === 'json' ? utf8(input) : hex(input));

for (const [label, codecFor] of vectorCodecs('skipped-keys')) {
  describe(`${label}: keys inside skipped values`, () => {
    for (const [type, codec, input, what] of accepted) {
      it(`accepts (${codec}): ${what}`, () => {
        expect(() => codecFor(type).decode(bytes(codec, input), codec, limits)).not.toThrow();
      });
    }
    for (const [type, codec, input, what] of rejected) {
      it(`rejects (${codec}): ${what}`, () => {
        let error: unknown;
        try {
          codecFor(type).decode(bytes(codec, input), codec, limits);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InteropError);
        expect((error as InteropError).code).toBe(ErrorCode.INVALID_ARGUMENT);
        expect((error as InteropError).message).toMatch(/duplicate|map key that is/);
      });
    }
  });
}
