// Golden vectors (test/vectors/payloads.json) through the generated TS codecs and the dynamic
// (IR-driven) codec: every canonical vector decodes and re-encodes byte for byte in both codecs,
// decode-only inputs re-encode to their canonical form, and rejected inputs fail with the expected
// code.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { REPO } from './generated.js';
import { vectorCodecs } from './vector-codecs.js';

interface Payloads {
  vectors: Array<{ name: string; type: string; json: string; msgpack: string }>;
  decode_only: Array<{
    name: string;
    type: string;
    codec: 'json' | 'msgpack';
    input: string;
    canonical: string;
  }>;
  reject: Array<{
    name: string;
    type: string;
    codec: 'json' | 'msgpack';
    input?: string;
    input_hex?: string;
    code: string;
  }>;
  from_integer: Array<{ name: string; type: string; integer: string; json: string; msgpack: string }>;
}

const payloads = JSON.parse(readFileSync(join(REPO, 'test/vectors/payloads.json'), 'utf8')) as Payloads;
const limits = { maxDepth: 64 };
const utf8 = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const input = (codec: 'json' | 'msgpack', text: string) =>
  codec === 'json' ? utf8.encode(text) : unhex(text);
const output = (codec: 'json' | 'msgpack', bytes: Uint8Array) =>
  codec === 'json' ? Buffer.from(bytes).toString('utf8') : hex(bytes);

for (const [label, codecFor] of vectorCodecs('vectors')) {
  describe(`${label}: canonical vectors`, () => {
    for (const v of payloads.vectors) {
      it(v.name, () => {
        const codec = codecFor(v.type);
        const fromJson = codec.decode(utf8.encode(v.json), 'json', limits);
        const fromMsgpack = codec.decode(unhex(v.msgpack), 'msgpack', limits);
        expect(output('json', codec.encode(fromJson, 'json'))).toBe(v.json);
        expect(output('msgpack', codec.encode(fromMsgpack, 'msgpack'))).toBe(v.msgpack);
        // Crossing codecs: the value decoded from JSON encodes to the msgpack vector, and back.
        expect(output('msgpack', codec.encode(fromJson, 'msgpack'))).toBe(v.msgpack);
        expect(output('json', codec.encode(fromMsgpack, 'json'))).toBe(v.json);
      });
    }
  });

  describe(`${label}: accepted non-canonical inputs`, () => {
    for (const v of payloads.decode_only) {
      it(v.name, () => {
        const codec = codecFor(v.type);
        const value = codec.decode(input(v.codec, v.input), v.codec, limits);
        expect(output(v.codec, codec.encode(value, v.codec))).toBe(v.canonical);
      });
    }
  });

  describe(`${label}: rejected inputs`, () => {
    for (const v of payloads.reject) {
      it(`${v.name} → ${v.code}`, () => {
        const codec = codecFor(v.type);
        const bytes = v.input_hex !== undefined ? unhex(v.input_hex) : input(v.codec, v.input!);
        let error: unknown;
        try {
          codec.decode(bytes, v.codec, limits);
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(InteropError);
        expect((error as InteropError).code).toBe(ErrorCode[v.code as keyof typeof ErrorCode]);
      });
    }
  });

  describe(`${label}: floats given as integers`, () => {
    // JavaScript has no integer number type: the integer is simply the nearest number.
    for (const v of payloads.from_integer) {
      it(v.name, () => {
        const codec = codecFor(v.type);
        expect(output('json', codec.encode(Number(v.integer), 'json'))).toBe(v.json);
        expect(output('msgpack', codec.encode(Number(v.integer), 'msgpack'))).toBe(v.msgpack);
      });
    }
  });
}
