// Boundary tests for the msgpack primitives (docs/wire.md §3.2): every format switch, on both sides.

import { describe, expect, it } from 'vitest';
import { MsgpackReader, MsgpackWriter } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';

const limits = { maxDepth: 64 };

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
function bytes(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
}
function write(f: (w: MsgpackWriter) => void): string {
  const w = new MsgpackWriter(4); // tiny start so growth is exercised too
  f(w);
  return hex(w.finish());
}
function read<T>(h: string, f: (r: MsgpackReader) => T): T {
  const r = new MsgpackReader(bytes(h), limits);
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

describe('msgpack integers', () => {
  const cases: Array<[number, string]> = [
    [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'],
    [65536, 'ce00010000'], [4294967295, 'ceffffffff'],
    [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'], [-129, 'd1ff7f'], [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'], [-2147483648, 'd280000000'],
  ];
  for (const [v, h] of cases) {
    it(`${v} <-> ${h}`, () => {
      const signed = v < 0 || v <= 0x7fffffff;
      expect(write((w) => (v >= 0 ? w.u32(v) : w.i32(v)))).toBe(h);
      expect(read(h, (r) => r.int(-0x80000000, 0xffffffff, 'int'))).toBe(v);
      expect(write((w) => w.i64(BigInt(v)))).toBe(h);
      expect(read(h, (r) => r.bigint(true))).toBe(BigInt(v));
      if (signed && v >= -0x80000000) expect(read(h, (r) => r.int(-0x80000000, 0x7fffffff, 'i32'))).toBe(v);
    });
  }

  it('64-bit extremes', () => {
    expect(write((w) => w.i64(-(2n ** 63n)))).toBe('d38000000000000000');
    expect(write((w) => w.i64(2n ** 63n - 1n))).toBe('cf7fffffffffffffff');
    expect(write((w) => w.u64(2n ** 64n - 1n))).toBe('cfffffffffffffffff');
    expect(write((w) => w.i64(2n ** 32n))).toBe('cf0000000100000000');
    expect(write((w) => w.i64(-(2n ** 31n) - 1n))).toBe('d3ffffffff7fffffff');
    expect(write((w) => w.u64(2n ** 53n))).toBe('cf0020000000000000');
    expect(read('d38000000000000000', (r) => r.bigint(true))).toBe(-(2n ** 63n));
    expect(read('cfffffffffffffffff', (r) => r.bigint(false))).toBe(2n ** 64n - 1n);
    expect(codeOf(() => read('cfffffffffffffffff', (r) => r.bigint(true)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('ff', (r) => r.bigint(false)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.u64(2n ** 64n)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.i64(-(2n ** 63n) - 1n)))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('accepts non-canonical but fitting formats, rejects values out of the declared range', () => {
    expect(read('cd0001', (r) => r.int(0, 255, 'u8'))).toBe(1);
    expect(read('cf0000000000000005', (r) => r.int(-128, 127, 'i8'))).toBe(5);
    expect(read('d3ffffffffffffffff', (r) => r.int(-128, 127, 'i8'))).toBe(-1);
    expect(codeOf(() => read('cc80', (r) => r.int(-128, 127, 'i8')))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('cfffffffffffffffff', (r) => r.int(0, 0xffffffff, 'u32')))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('ff', (r) => r.int(0, 255, 'u8')))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('writers check the declared range', () => {
    expect(write((w) => w.i8(-128))).toBe('d080');
    expect(codeOf(() => write((w) => w.i8(128)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.u8(-1)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.u16(65536)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.i16(-32769)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.i32(2 ** 31)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.u32(1.5)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.i32('1' as unknown as number)))).toBe(ErrorCode.INVALID_ARGUMENT);
    // 64-bit types take a bigint only: a number would reach an in-process handler as a number.
    expect(write((w) => w.u64(5n))).toBe('05');
    expect(codeOf(() => write((w) => w.u64(5 as unknown as bigint)))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => write((w) => w.i8(5n as unknown as number)))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('msgpack floats', () => {
  it('f32 is always float32, f64 always float64', () => {
    expect(write((w) => w.f32(1))).toBe('ca3f800000');
    expect(write((w) => w.f64(1))).toBe('cb3ff0000000000000');
    expect(write((w) => w.f64(-0))).toBe('cb8000000000000000');
    expect(write((w) => w.f32(-0))).toBe('ca80000000');
    expect(write((w) => w.f64(Infinity))).toBe('cb7ff0000000000000');
    expect(write((w) => w.f32(-Infinity))).toBe('caff800000');
  });

  it('NaN is canonicalised to the quiet NaN with the sign bit clear', () => {
    const weird = new DataView(new ArrayBuffer(8));
    weird.setUint32(0, 0xfff80000);
    weird.setUint32(4, 1);
    const negNaN = weird.getFloat64(0);
    expect(write((w) => w.f64(negNaN))).toBe('cb7ff8000000000000');
    expect(write((w) => w.f32(negNaN))).toBe('ca7fc00000');
    expect(read('cbfff8000000000001', (r) => r.f64())).toBeNaN();
  });

  it('decoders accept either float width, but not integers', () => {
    expect(read('cb3ff8000000000000', (r) => r.f32())).toBe(1.5);
    expect(read('cb3fb999999999999a', (r) => r.f32())).toBe(Math.fround(0.1));
    expect(read('ca3fc00000', (r) => r.f64())).toBe(1.5);
    expect(codeOf(() => read('05', (r) => r.f64()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('05', (r) => r.f32()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('a0', (r) => r.f64()))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('msgpack strings and bytes', () => {
  const lengths: Array<[number, string]> = [
    [0, 'a0'], [31, 'bf'], [32, 'd920'], [255, 'd9ff'], [256, 'da0100'], [65535, 'daffff'], [65536, 'db00010000'],
  ];
  for (const [n, header] of lengths) {
    it(`ASCII string of ${n} bytes uses header ${header}`, () => {
      const s = 'x'.repeat(n);
      const h = write((w) => w.string(s));
      expect(h.slice(0, header.length)).toBe(header);
      expect(h.length).toBe(header.length + 2 * n);
      expect(read(h, (r) => r.string())).toBe(s);
    });
  }

  it('multi-byte strings pick the header from the byte length, not the char count', () => {
    // 11 chars of 3 bytes = 33 bytes: the writer reserves for 33 and ends with str8.
    const s = '€'.repeat(11);
    expect(write((w) => w.string(s)).slice(0, 4)).toBe('d921');
    // 10 chars of 3 bytes = 30 bytes: reserved for str8 (30*3 >= 32) but it fits a fixstr.
    const t = 'é'.repeat(15); // 30 bytes, 45 worst case
    expect(write((w) => w.string(t)).slice(0, 2)).toBe('be');
    expect(read(write((w) => w.string(t)), (r) => r.string())).toBe(t);
    // Crosses the 0x100 and 0x10000 boundaries downward.
    const u = 'é'.repeat(127); // 254 bytes, worst case 381
    expect(write((w) => w.string(u)).slice(0, 4)).toBe('d9fe');
    const v = 'é'.repeat(30000); // 60000 bytes, worst case 90000
    expect(write((w) => w.string(v)).slice(0, 6)).toBe('daea60');
    expect(read(write((w) => w.string(v)), (r) => r.string())).toBe(v);
  });

  it('encodes astral characters and refuses lone surrogates, which UTF-8 cannot hold', () => {
    expect(write((w) => w.string('😀'))).toBe('a4f09f9880');
    for (const lone of ['a\ud800b', '\udc00', 'y'.repeat(60) + '\ud800']) {
      expect(codeOf(() => write((w) => w.string(lone)))).toBe(ErrorCode.INVALID_ARGUMENT);
    }
  });

  it('keeps a leading BOM and rejects invalid UTF-8', () => {
    expect(read('a3efbbbf', (r) => r.string())).toBe('\ufeff');
    expect(codeOf(() => read('a2c328', (r) => r.string()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('d9' + '1e' + 'ff'.repeat(30), (r) => r.string()))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('bin8/16/32 at their boundaries', () => {
    for (const [n, header] of [[0, 'c400'], [255, 'c4ff'], [256, 'c50100'], [65536, 'c600010000']] as const) {
      const b = new Uint8Array(n).fill(7);
      const h = write((w) => w.bytes(b));
      expect(h.slice(0, header.length)).toBe(header);
      expect(read(h, (r) => r.bytes())).toEqual(b);
    }
  });

  it('rejects lengths larger than the bytes that remain, before allocating', () => {
    expect(codeOf(() => read('dbffffffff', (r) => r.string()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('c6ffffffff00', (r) => r.bytes()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('a5616263', (r) => r.string()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    // A missing length byte is plain truncation.
    expect(codeOf(() => read('d9', (r) => r.string()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('d20000', (r) => r.int(0, 1, 'i32')))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('msgpack containers', () => {
  it('array and map headers at their boundaries', () => {
    for (const [n, a, m] of [[0, '90', '80'], [15, '9f', '8f'], [16, 'dc0010', 'de0010'], [65535, 'dcffff', 'deffff'], [65536, 'dd00010000', 'df00010000']] as const) {
      expect(write((w) => w.arrayHeader(n))).toBe(a);
      expect(write((w) => w.mapHeader(n))).toBe(m);
    }
  });

  it('counts larger than the remaining bytes are RESOURCE_EXHAUSTED', () => {
    expect(codeOf(() => read('ddffffffff', (r) => r.arrayHeader()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('dfffffffff', (r) => r.mapHeader()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('930102', (r) => r.arrayHeader()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('82010203', (r) => r.mapHeader()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('dd7fffffff', (r) => r.skip()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read('dbffffffff', (r) => r.skip()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    // Exactly enough bytes for the count is fine.
    expect(codeOf(() => read('93010203', (r) => r.skip()))).toBeUndefined();
  });

  const nested = (depth: number) => '91'.repeat(depth - 1) + '90';
  it('depth 64 is accepted and 65 rejected, also when skipped', () => {
    const walk = (r: MsgpackReader): void => {
      const n = r.arrayHeader();
      for (let i = 0; i < n; i++) walk(r);
      r.exit();
    };
    expect(codeOf(() => read(nested(64), walk))).toBeUndefined();
    expect(codeOf(() => read(nested(65), walk))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => read(nested(64), (r) => r.skip()))).toBeUndefined();
    expect(codeOf(() => read(nested(65), (r) => r.skip()))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    // A skipped unknown field inside a struct (depth 1) counts from there: 63 more levels fit.
    const inStruct = (d: number) => '81' + '05' + nested(d);
    const readStruct = (r: MsgpackReader) => {
      const n = r.mapHeader();
      for (let i = 0; i < n; i++) {
        r.fieldId();
        r.skip();
      }
      r.exit();
    };
    expect(codeOf(() => read(inStruct(63), readStruct))).toBeUndefined();
    expect(codeOf(() => read(inStruct(64), readStruct))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
  });

  it('skips every kind of value and rejects ext types', () => {
    const all = '9f' + 'c0c2c3' + '7fe0' + 'cc01cd0001ce00000001cf0000000000000001' + 'd001d10001d200000001d30000000000000001'
      + 'ca00000000' + 'cb0000000000000000';
    // 15 elements above: nil, false, true, 2 fixints, 4 uints, 4 ints, 2 floats = 15
    expect(codeOf(() => read(all, (r) => r.skip()))).toBeUndefined();
    expect(codeOf(() => read('92a161c40100', (r) => r.skip()))).toBeUndefined();
    expect(codeOf(() => read('81a161d90162', (r) => r.skip()))).toBeUndefined();
    expect(codeOf(() => read('d40100', (r) => r.skip()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => read('c1', (r) => r.skip()))).toBe(ErrorCode.INVALID_ARGUMENT);
  });

  it('rejects trailing bytes and wrong types with a clear message', () => {
    expect(codeOf(() => read('c3c3', (r) => r.bool()))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(() => read('a0', (r) => r.bool())).toThrow('expected bool, got string');
    expect(() => read('c0', (r) => r.int(0, 1, 'u8'))).toThrow('expected u8, got nil');
  });
});
