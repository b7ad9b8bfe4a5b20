import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  CodecId,
  DEFAULT_LIMITS,
  FrameDecoder,
  FrameError,
  FrameKind,
  type Frame,
  checkWants,
  chooseProtocol,
  decodeEnvelope,
  decodeHello,
  encodeEnvelope,
  encodeFrame,
  encodeHandshake,
  limitsFromWire,
  limitsToWire,
} from '../../runtime-ts/src/wire/index.js';
import { ErrorCode } from '../../runtime-ts/src/errors.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../ts/generated.js';

const limits = { maxFrameBytes: DEFAULT_LIMITS.maxFrameBytes, maxTargetBytes: DEFAULT_LIMITS.maxTargetBytes };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function frame(over: Partial<Frame> = {}): Frame {
  return { kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 7, timeoutMs: 1500, target: 'example.chat.post', payload: new TextEncoder().encode('{"1":"hi"}'), ...over };
}

function header(length: number, kind = 3, codec = 1, correlation = 1, targetLen = 0): Uint8Array {
  const b = new Uint8Array(18);
  const v = new DataView(b.buffer);
  v.setUint32(0, length, true);
  v.setUint8(4, kind);
  v.setUint8(5, codec);
  v.setUint32(8, correlation, true);
  v.setUint16(16, targetLen, true);
  return b;
}

describe('frame encoding', () => {
  it('lays out the header little-endian as in wire.md §1', () => {
    const bytes = encodeFrame(frame({ target: 'a.b', payload: Uint8Array.of(0xaa) }));
    expect(hex(bytes)).toBe('12000000' + '03' + '01' + '0000' + '07000000' + 'dc050000' + '0300' + '612e62' + 'aa');
  });

  it('round-trips arbitrary frames through the decoder, split at any point', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(FrameKind)),
        fc.constantFrom(0, 1, 2),
        fc.nat(0xffff_ffff),
        fc.string({ maxLength: 40 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(400), { maxLength: 4 }),
        (kind, codec, correlation, target, payload, cuts) => {
          const f: Frame = { kind, codec: codec as CodecId, flags: 0, correlation, timeoutMs: 0, target, payload };
          const bytes = encodeFrame(f);
          const dec = new FrameDecoder(limits);
          const out = [];
          let at = 0;
          for (const cut of [...cuts].sort((a, b) => a - b)) {
            const c = Math.min(cut, bytes.length);
            out.push(...dec.push(bytes.subarray(at, Math.max(at, c))));
            at = Math.max(at, c);
          }
          out.push(...dec.push(bytes.subarray(at)));
          expect(out).toHaveLength(1);
          const got = out[0] as Frame;
          expect({ ...got, payload: hex(got.payload) }).toEqual({ ...f, target: new TextDecoder().decode(new TextEncoder().encode(target)), payload: hex(payload) });
          expect(dec.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('yields several frames from one chunk, byte by byte too', () => {
    const a = encodeFrame(frame({ correlation: 1 }));
    const b = encodeFrame(frame({ correlation: 2, payload: new Uint8Array(0) }));
    const all = new Uint8Array([...a, ...b]);
    expect(new FrameDecoder(limits).push(all).map((f) => (f as Frame).correlation)).toEqual([1, 2]);
    const dec = new FrameDecoder(limits);
    const got = [];
    for (const byte of all) got.push(...dec.push(Uint8Array.of(byte)));
    expect(got.map((f) => (f as Frame).correlation)).toEqual([1, 2]);
  });
});

describe('malformed frames', () => {
  const reasonOf = (items: unknown[]) => items.map((i) => (i instanceof FrameError ? `${i.reason}:${i.fatal}:${i.code}` : 'frame'));

  it('rejects a zero or short length as fatal, before the body arrives', () => {
    expect(reasonOf(new FrameDecoder(limits).push(Uint8Array.of(0, 0, 0, 0)))).toEqual([`short_length:true:${ErrorCode.PROTOCOL_ERROR}`]);
    expect(reasonOf(new FrameDecoder(limits).push(Uint8Array.of(13, 0, 0, 0)))).toEqual([`short_length:true:${ErrorCode.PROTOCOL_ERROR}`]);
  });

  it('rejects an oversized length from its 4 bytes alone, without allocating', () => {
    const dec = new FrameDecoder(limits);
    const items = dec.push(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(reasonOf(items)).toEqual([`oversized:true:${ErrorCode.RESOURCE_EXHAUSTED}`]);
    expect(dec.push(encodeFrame(frame()))).toEqual([]); // a failed decoder ignores the rest
  });

  it('accepts a frame of exactly max_frame_bytes and rejects one byte more', () => {
    const small = { maxFrameBytes: 64, maxTargetBytes: 1024 };
    const exact = encodeFrame(frame({ target: '', payload: new Uint8Array(64 - 14) }));
    expect(reasonOf(new FrameDecoder(small).push(exact))).toEqual(['frame']);
    const over = encodeFrame(frame({ target: '', payload: new Uint8Array(65 - 14) }));
    expect(reasonOf(new FrameDecoder(small).push(over))).toEqual([`oversized:true:${ErrorCode.RESOURCE_EXHAUSTED}`]);
  });

  it('rejects a target running past the frame as fatal as soon as the header is in', () => {
    expect(reasonOf(new FrameDecoder(limits).push(header(20, 3, 1, 9, 7)))).toEqual([`target_past_end:true:${ErrorCode.PROTOCOL_ERROR}`]);
  });

  it('reports unknown kind, unknown codec, long and bad targets per frame and goes on', () => {
    const bad = [
      encodeFrame(frame({ kind: 17 as never })),
      encodeFrame(frame({ codec: 5 as never })),
      encodeFrame(frame({ codec: 9 as never })),
      encodeFrame(frame({ target: 'x'.repeat(1025) })),
    ];
    const badUtf8 = encodeFrame(frame({ target: 'ab' }));
    badUtf8[18] = 0xff;
    const items = new FrameDecoder(limits).push(new Uint8Array(Buffer.concat([...bad, badUtf8, encodeFrame(frame())])));
    expect(reasonOf(items)).toEqual([
      `unknown_kind:false:${ErrorCode.PROTOCOL_ERROR}`,
      `unknown_codec:false:${ErrorCode.PROTOCOL_ERROR}`,
      `unknown_codec:false:${ErrorCode.PROTOCOL_ERROR}`,
      `target_too_long:false:${ErrorCode.RESOURCE_EXHAUSTED}`,
      `bad_target:false:${ErrorCode.PROTOCOL_ERROR}`,
      'frame',
    ]);
    expect((items[0] as FrameError).correlation).toBe(7);
  });

  it('reports a stream that ends inside a frame as truncated', () => {
    const dec = new FrameDecoder(limits);
    expect(dec.push(encodeFrame(frame()).subarray(0, 25))).toEqual([]);
    expect(dec.end()?.reason).toBe('truncated');
    expect(new FrameDecoder(limits).end()).toBeUndefined();
  });
});

describe('error envelope', () => {
  it('encodes the documented JSON example', () => {
    const env = { code: 101, message: 'no such user', type: 'example.chat.NotFound', detail: new TextEncoder().encode('{"key":"bob"}') };
    const json = encodeEnvelope(env, 'json');
    expect(new TextDecoder().decode(json)).toBe('{"code":101,"message":"no such user","type":"example.chat.NotFound","detail":{"key":"bob"}}');
    const back = decodeEnvelope(json, 'json', 64);
    expect({ ...back, detail: new TextDecoder().decode(back.detail!) }).toEqual({ ...env, detail: '{"key":"bob"}' });
  });

  it('encodes msgpack keyed by field id with smallest formats', () => {
    const bytes = encodeEnvelope({ code: 14, message: 'gone' }, 'msgpack');
    expect(hex(bytes)).toBe('82' + '01' + '0e' + '02' + 'a4676f6e65');
    const withDetail = encodeEnvelope({ code: 101, message: '', type: 'a.E', detail: Uint8Array.of(0x81, 0x01, 0xa1, 0x78) }, 'msgpack');
    expect(hex(withDetail)).toBe('84' + '0165' + '02a0' + '03a3612e45' + '04' + '8101a178');
    const back = decodeEnvelope(withDetail, 'msgpack', 64);
    expect(back.type).toBe('a.E');
    expect(hex(back.detail!)).toBe('8101a178');
  });

  it('round-trips arbitrary envelopes in both codecs', () => {
    fc.assert(
      fc.property(fc.nat(0xffff_ffff), fc.string(), fc.option(fc.string(), { nil: undefined }), fc.constantFrom('json' as const, 'msgpack' as const), (code, message, type, codec) => {
        const env = type === undefined ? { code, message } : { code, message, type };
        const back = decodeEnvelope(encodeEnvelope(env, codec), codec, 64);
        expect(back.code).toBe(code);
        expect(back.type).toBe(type);
        if (!/[\ud800-\udfff]/.test(message)) expect(back.message).toBe(message);
      }),
    );
  });

  it('skips unknown fields, rejects duplicates, bad input and excess depth', () => {
    const enc = new TextEncoder();
    expect(decodeEnvelope(enc.encode('{"x":[1,{"y":null}],"code":5,"message":"m"}'), 'json', 64)).toEqual({ code: 5, message: 'm' });
    expect(() => decodeEnvelope(enc.encode('{"code":5,"code":6}'), 'json', 64)).toThrow(/duplicate/);
    expect(() => decodeEnvelope(enc.encode('{"code":5'), 'json', 64)).toThrow(/end|expected/);
    expect(() => decodeEnvelope(enc.encode('{"x":' + '['.repeat(70) + ']'.repeat(70) + '}'), 'json', 64)).toThrow(/max_depth/);
    expect(() => decodeEnvelope(Uint8Array.of(0x81, 0x09, ...Array(70).fill(0x91), 0xc0), 'msgpack', 64)).toThrow(/max_depth/);
    const codeOf = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return (e as { code: number }).code;
      }
      return 'ok';
    };
    // Lengths and counts past the end are RESOURCE_EXHAUSTED; plain truncation and trailing bytes INVALID_ARGUMENT (wire.md §3).
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0xdf, 0xff, 0xff, 0xff, 0xff), 'msgpack', 64))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0x81, 0x02, 0xdb, 0xff, 0xff, 0xff, 0xff), 'msgpack', 64))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0x81, 0x09, 0xdd, 0, 0, 0x10, 0), 'msgpack', 64))).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0x81, 0x01, 0xcd, 0x01), 'msgpack', 64))).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(codeOf(() => decodeEnvelope(Uint8Array.of(0x80, 0x00), 'msgpack', 64))).toBe(ErrorCode.INVALID_ARGUMENT);
  });
});

describe('handshake and limits', () => {
  it('writes canonical JSON with sorted keys', () => {
    const text = new TextDecoder().decode(encodeHandshake({ wants: {}, protocol: [1], offers: { 'a.b': 'sha256:1' }, node: 'n', compat: {}, codecs: ['msgpack', 'json'] }));
    expect(text).toBe('{"codecs":["msgpack","json"],"compat":{},"node":"n","offers":{"a.b":"sha256:1"},"protocol":[1],"wants":{}}');
    expect(decodeHello(new TextEncoder().encode(text)).offers['a.b']).toBe('sha256:1');
  });

  it('negotiates the highest common protocol and checks wants', () => {
    expect(chooseProtocol([1, 2])).toBe(1);
    expect(chooseProtocol([2, 3])).toBeUndefined();
    expect(checkWants({ 'a.b': 'sha256:1' }, { 'a.b': 'sha256:1' })).toBeUndefined();
    expect(checkWants({ 'a.c': 'sha256:1' }, { 'a.b': 'sha256:1' })?.code).toBe(ErrorCode.NOT_FOUND);
    // Another version of the module is no refusal: each call is judged on its own (§2.2).
    expect(checkWants({ 'a.b': 'sha256:1' }, { 'a.b': 'sha256:2' })).toBeUndefined();
  });

  it('has the documented defaults and validates overrides', () => {
    expect(limitsToWire(DEFAULT_LIMITS)).toEqual({
      max_frame_bytes: 16777216, max_depth: 64, max_in_flight: 256, max_event_queue: 1024, event_queue_policy: 'drop_oldest',
      default_deadline_ms: 30000, handshake_timeout_ms: 10000, max_target_bytes: 1024, stream_window: 64,
      max_connections: 512, idle_timeout_ms: 300000, frame_timeout_ms: 30000,
    });
    expect(() => limitsFromWire({ stream_window: 2 ** 32 })).toThrow(/at most 4294967295/);
    // docs/wire.md §5 states the same defaults (every runtime checks its own against it).
    const doc = readFileSync(join(REPO, 'docs/wire.md'), 'utf8');
    const table = doc.slice(doc.indexOf('## 5. Limits'), doc.indexOf('A limit is exceeded'));
    const documented = Object.fromEntries([...table.matchAll(/^\| `([a-z_]+)` \| (\d+)/gm)].map((m) => [m[1], Number(m[2])]));
    const numeric = Object.fromEntries(Object.entries(limitsToWire(DEFAULT_LIMITS)).filter(([, v]) => typeof v === 'number'));
    expect(documented).toEqual(numeric);
    expect(limitsFromWire({ max_in_flight: 4 }).maxInFlight).toBe(4);
    expect(() => limitsFromWire({ max_inflight: 4 })).toThrow(/unknown limit/);
    expect(() => limitsFromWire({ max_depth: 0 })).toThrow(/positive integer/);
    expect(() => limitsFromWire({ idle_timeout_ms: 2 ** 31 })).toThrow(/limits.idle_timeout_ms: at most 2147483647/);
  });
});
