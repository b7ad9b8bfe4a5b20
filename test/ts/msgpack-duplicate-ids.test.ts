// A msgpack struct that holds the same field id twice is INVALID_ARGUMENT (docs/wire.md §3.2), also
// when the id is unknown and its value is skipped. The reader tracks unknown ids per open struct
// (a bitmask for small ids, a stack of pairs, a Set for many): these cases walk each path, and the
// structs that must still decode (the same unknown id in sibling or nested structs).

import { describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { vectorCodecs } from './vector-codecs.js';

const limits = { maxDepth: 64 };
const hex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
const u8 = (n: number) => (n < 0x80 ? n.toString(16).padStart(2, '0') : `cc${n.toString(16).padStart(2, '0')}`);
/** A Point {x: 1, y: 2} followed by unknown fields `ids` (value 0 each), as a fixmap or map16. */
const point = (ids: number[], x = 1) => {
  const n = 2 + ids.length;
  const head = n < 16 ? (0x80 | n).toString(16) : `de${n.toString(16).padStart(4, '0')}`;
  return `${head} 01${u8(x)} 0202 ${ids.map((id) => `${u8(id)}00`).join(' ')}`;
};

const accepted: Array<[string, string, string]> = [
  ['Points', `92 ${point([9])} ${point([9])}`, 'the same unknown id in two sibling structs'],
  ['Points', `92 ${point([100])} ${point([100])}`, 'the same large unknown id in two sibling structs'],
  ['Line', `83 09c0 01${point([9, 100])} 02${point([9, 100])}`, 'outer and inner structs share unknown ids'],
  ['Line', `83 01${point([9])} 09c0 02${point([9])}`, 'inner struct first, then the outer'],
  ['Point', point(Array.from({ length: 40 }, (_, i) => 3 + i)), '40 distinct unknown ids (past the list, into a Set)'],
  ['Point', point(Array.from({ length: 40 }, (_, i) => 100 + i)), '40 distinct large unknown ids'],
  ['Point', point([30, 31, 32, 0]), 'ids around the bitmask boundary'],
];

const rejected: Array<[string, string, string]> = [
  ['Point', point([9, 9]), 'small unknown id twice (bitmask)'],
  ['Point', point([100, 101, 100]), 'large unknown id twice (list)'],
  ['Point', point([9, 200, 9]), 'small id twice with a large one between'],
  ['Point', `84 0101 0202 0900 cc0900`, 'unknown id 9 as fixint and as uint8'],
  ['Line', `83 09c0 01${point([])} 09c0`, 'outer unknown id twice around an inner struct'],
  ['Line', `83 09c0 01${point([9, 9])} 02${point([])}`, 'inner unknown id twice while the outer holds the bitmask'],
  ['Line', `83 64c0 01${point([100])} 64c0`, 'outer large id twice around an inner struct with the same id'],
  ['Point', point([...Array.from({ length: 40 }, (_, i) => 3 + i), 20]), 'a repeat after 40 distinct ids'],
  ['Point', point([...Array.from({ length: 40 }, (_, i) => 100 + i), 139]), 'a large repeat after 40 distinct ids (Set)'],
  ['Points', `92 ${point([9])} ${point([100, 9, 100])}`, 'the second sibling repeats an id'],
];

for (const [label, codecFor] of vectorCodecs('msgpack-duplicate-ids')) {
  describe(`${label}: repeated unknown struct field ids`, () => {
    for (const [type, input, what] of accepted) {
      it(`accepts: ${what}`, () => {
        expect(() => codecFor(type).decode(hex(input), 'msgpack', limits)).not.toThrow();
      });
    }
    for (const [type, input, what] of rejected) {
      it(`rejects: ${what}`, () => {
        let error: unknown;
        try {
          codecFor(type).decode(hex(input), 'msgpack', limits);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InteropError);
        expect((error as InteropError).code).toBe(ErrorCode.INVALID_ARGUMENT);
        expect((error as InteropError).message).toMatch(/duplicate/);
      });
    }
  });
}
