// Boundary tests for the canonical JSON primitives (docs/wire.md §3.1).

import { describe, expect, it } from 'vitest';
import { JsonReader, JsonWriter, formatF32, jsonKey, sortedEntries, compareUtf8 } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';

const limits = { maxDepth: 64 };
const text = new TextDecoder();

function write(f: (w: JsonWriter) => void): string {
  const w = new JsonWriter(4);
  f(w);
  return text.decode(w.finish());
}
function read<T>(s: string, f: (r: JsonReader) => T): T {
  const r = new JsonReader(new TextEncoder().encode(s), limits);
  const v = f(r);
  r.finish();
  return v;
}
function codeOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InteropError);
    return (e as InteropError).code;
  }
  return undefined;
}

describe('JSON numbers', () => {
  it('integers: decimal, no exponent', () => {
    expect(write((w) => w.i32(-2147483648))).toBe('-2147483648');
    expect(write((w) => w.u32(4294967295))).toBe('4294967295');
    expect(write((w) => w.u8(0))).toBe('0');
    expect(write((w) => w.i8(-7))).toBe('-7');
    expect(read('4294967295', (r) => r.int(0, 0xffffffff, 'u32'))).toBe(4294967295);
    expect(codeOf(() => read('4294967296', (r) => r.int(0, 0xffffffff, 'u32')))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('1.5', (r) => r.int(0, 10, 'u8')))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(read('1e1', (r) => r.int(0, 10, 'u8'))).toBe(10);
    for (const bad of ['01', '-', '+1', '1.', '.5', '1e', '0x10', 'NaN']) {
      expect(codeOf(() => read(bad, (r) => r.int(0, 100, 'u8')))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('i64 and u64 are strings, exact at the extremes', () => {
    expect(write((w) => w.i64(-(2n ** 63n)))).toBe('"-9223372036854775808"');
    expect(write((w) => w.u64(2n ** 64n - 1n))).toBe('"18446744073709551615"');
    expect(write((w) => w.i64(0n))).toBe('"0"');
    expect(write((w) => w.i64(-5n))).toBe('"-5"');
    expect(read('"-9223372036854775808"', (r) => r.bigint(true))).toBe(-(2n ** 63n));
    expect(read('18446744073709551615', (r) => r.bigint(false))).toBe(2n ** 64n - 1n);
    expect(read('12', (r) => r.bigint(false))).toBe(12n);
    expect(codeOf(() => read('"18446744073709551616"', (r) => r.bigint(false)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('"9223372036854775808"', (r) => r.bigint(true)))).toBe(ErrorCode.INVALID_ARGUMENT);
    for (const bad of ['""', '" 1"', '"01"', '"1e3"', '"0x1"', '1.5', '"-"']) {
      expect(codeOf(() => read(bad, (r) => r.bigint(true)))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('f64 like Number#toString, -0 kept, non-finite as strings', () => {
    const cases: Array<[number, string]> = [
      [0, '0'], [-0, '-0'], [1.5, '1.5'], [0.1, '0.1'], [1e21, '1e+21'], [1e-7, '1e-7'], [123e-20, '1.23e-18'],
      [2 ** 53, '9007199254740992'], [Number.MAX_VALUE, '1.7976931348623157e+308'], [5e-324, '5e-324'],
      [NaN, '"NaN"'], [Infinity, '"Infinity"'], [-Infinity, '"-Infinity"'],
    ];
    for (const [v, s] of cases) {
      expect(write((w) => w.f64(v))).toBe(s);
      expect(Object.is(read(s, (r) => r.f64()), v)).toBe(true);
    }
  });

  it('f32 uses the shortest digits that round-trip through f32', () => {
    const cases: Array<[number, string]> = [
      [0.1, '0.1'], [1 / 3, '0.33333334'], [3.4028234663852886e38, '3.4028235e+38'], [1.401298464324817e-45, '1e-45'],
      [16777216, '16777216'], [16777217, '16777216'], [-2.5, '-2.5'], [-0, '-0'], [1e-7, '1e-7'], [NaN, '"NaN"'],
    ];
    for (const [v, s] of cases) expect(write((w) => w.f32(v))).toBe(s);
    // Every f32 round-trips and no shorter decimal would.
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < 20000; i++) {
      view.setUint32(0, (i * 2654435761) >>> 0);
      const v = view.getFloat32(0);
      if (!Number.isFinite(v)) continue;
      const s = formatF32(v);
      expect(Math.fround(Number(s))).toBe(v);
      const digits = s.replace(/^-/, '').replace(/e.*$/, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
      if (digits > 1) expect(Math.fround(Number(v.toPrecision(digits - 1)))).not.toBe(v);
    }
  });
});

describe('JSON strings', () => {
  it('escapes only quote, backslash and C0 controls, lowercase hex', () => {
    expect(write((w) => w.string('a"b\\c'))).toBe('"a\\"b\\\\c"');
    expect(write((w) => w.string('\b\t\n\f\r'))).toBe('"\\b\\t\\n\\f\\r"');
    expect(write((w) => w.string('\u0000\u001f\u000b'))).toBe('"\\u0000\\u001f\\u000b"');
    expect(write((w) => w.string('/ \u007f \u2028 \u2029 é 😀'))).toBe('"/ \u007f \u2028 \u2029 é 😀"');
    const long = 'é😀'.repeat(40) + '"';
    expect(read(write((w) => w.string(long)), (r) => r.string())).toBe(long);
  });

  it('refuses a lone surrogate, which UTF-8 cannot hold, in short, escaped and long strings', () => {
    const lone = (s: string) => () => write((w) => w.string(s));
    expect(lone('x\ud800y')).toThrow('expected string, got one with a lone surrogate (U+D800 at index 1)');
    expect(lone('"\udc00')).toThrow('(U+DC00 at index 1)');
    expect(lone('abc'.repeat(100) + '\udc00')).toThrow('(U+DC00 at index 300)');
    expect(lone('😀\ud83d')).toThrow('(U+D83D at index 2)');
  });

  it('reads escapes, including surrogate pairs, and rejects bad ones', () => {
    expect(read('"\\u0041\\/\\ud83d\\ude00\\"x"', (r) => r.string())).toBe('A/😀"x');
    expect(read('"\\uFEFFx"', (r) => r.string())).toBe('\ufeffx');
    for (const bad of ['"\\x"', '"\\u12"', '"abc', '"a\nb"', '"\\u12g4"']) {
      expect(codeOf(() => read(bad, (r) => r.string()))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('bytes as padded base64', () => {
    for (const [b, s] of [[[], '""'], [[0xff], '"/w=="'], [[0xfb, 0xff], '"+/8="'], [[1, 2, 3], '"AQID"'], [[1, 2, 3, 4], '"AQIDBA=="']] as const) {
      expect(write((w) => w.bytes(new Uint8Array(b)))).toBe(s);
      expect([...read(s, (r) => r.bytes())]).toEqual(b);
    }
    for (const bad of ['"AQI"', '"A=QI"', '"AQ*D"', '5']) {
      expect(codeOf(() => read(bad, (r) => r.bytes()))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });
});

describe('JSON containers', () => {
  it('writes separators without the caller tracking them', () => {
    const k = jsonKey('a');
    const s = write((w) => {
      w.beginObject();
      w.key(k);
      w.beginArray();
      w.i32(1);
      w.beginArray();
      w.endArray();
      w.string('x');
      w.null();
      w.endArray();
      w.keyString('b');
      w.beginObject();
      w.endObject();
      w.endObject();
    });
    expect(s).toBe('{"a":[1,[],"x",null],"b":{}}');
  });

  it('reads objects and arrays with whitespace and rejects malformed ones', () => {
    const readObj = (s: string) =>
      read(s, (r) => {
        const out: Array<[string, number[]]> = [];
        r.beginObject();
        for (let k; (k = r.nextKey()) !== undefined; ) {
          const items: number[] = [];
          r.beginArray();
          while (r.nextItem()) items.push(r.int(0, 9, 'u8'));
          out.push([k, items]);
        }
        return out;
      });
    expect(readObj(' { "a" : [ 1 , 2 ] , "b":[] } ')).toEqual([['a', [1, 2]], ['b', []]]);
    for (const bad of ['{"a":[1,]}', '{"a":[1],}', '{,}', '{"a" [1]}', '{"a":[1 2]}', '{"a":[1]', '{"a":[1]}x', '{a:[1]}']) {
      expect(codeOf(() => readObj(bad))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  const nested = (d: number) => '['.repeat(d) + ']'.repeat(d);
  it('depth 64 accepted, 65 rejected, also in skipped values', () => {
    expect(codeOf(() => read(nested(64), (r) => r.skip()))).toBeUndefined();
    expect(codeOf(() => read(nested(65), (r) => r.skip()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    const struct = (d: number) => `{"unknown":${nested(d)}}`;
    const readStruct = (r: JsonReader) => {
      r.beginObject();
      while (r.nextKey() !== undefined) r.skip();
    };
    expect(codeOf(() => read(struct(63), readStruct))).toBeUndefined();
    expect(codeOf(() => read(struct(64), readStruct))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  });

  it('skips every kind of value', () => {
    expect(codeOf(() => read('[{"a":[true,false,null,-1.5e3,"\\"x"]},{}]', (r) => r.skip()))).toBeUndefined();
    for (const bad of ['tru', 'nul', '[1,,2]', '{"a"}', '"\\q"']) {
      expect(codeOf(() => read(bad, (r) => r.skip()))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('sorts map keys by UTF-8 bytes, numbers numerically', () => {
    const m = new Map([['\uffff', 1], ['😀', 2], ['b', 3], ['a', 4], ['ab', 5], ['', 6]]);
    expect(sortedEntries(m, 'string').map(([k]) => k)).toEqual(['', 'a', 'ab', 'b', '\uffff', '😀']);
    expect(sortedEntries(new Map([[10, 0], [-2, 0], [3, 0]]), 'number').map(([k]) => k)).toEqual([-2, 3, 10]);
    expect(sortedEntries(new Map([[2n ** 63n, 0], [-1n, 0], [3n, 0]]), 'bigint').map(([k]) => k)).toEqual([-1n, 3n, 2n ** 63n]);
    expect(compareUtf8('\ue000', '\ud800\udc00')).toBeLessThan(0);
  });
});
