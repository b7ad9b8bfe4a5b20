// Behaviour of generated codecs beyond the golden vectors: error messages name the type and the
// path, `__proto__` keys stay data, values from newer peers survive, plain-JS inputs are checked.

import { beforeAll, describe, expect, it } from 'vitest';
import type { TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { importGenerated } from './generated.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let chat: any;
let tree: any;
const limits = { maxDepth: 64 };
const utf8 = new TextEncoder();
const text = new TextDecoder();

beforeAll(async () => {
  chat = await importGenerated('gen-codec-chat', ['test/schemas/valid/chat.interop'], 'example.chat');
  tree = await importGenerated('gen-codec-tree', ['test/schemas/valid/tree.interop'], 'example.tree');
}, 60_000);

function message(overrides: Record<string, unknown> = {}) {
  return {
    id: 1n, author: 2n, text: 'hi', mood: undefined, tags: ['a'], reactions: new Map(), body: new Uint8Array(0),
    scores: [], sent: { millis: 0n, utcOffsetMin: 0 }, ...overrides,
  };
}

function errorOf(f: () => unknown): InteropError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InteropError);
    return e as InteropError;
  }
  throw new Error('expected an error');
}

describe('generated codec errors', () => {
  it('name the type and the path, on decode', () => {
    const codec = chat.Message$codec as TypeCodec<unknown>;
    const bad = utf8.encode('{"id":"1","author":"2","tags":["a","b","c",7],"sent":{"millis":"0"}}');
    const e = errorOf(() => codec.decode(bad, 'json', limits));
    expect(e.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(e.message).toBe('Message.tags[3]: expected string, got number at byte 43');
    const nested = utf8.encode('{"sent":{"millis":"x"}}');
    expect(errorOf(() => codec.decode(nested, 'json', limits)).message).toBe(
      'Message.sent.millis: expected i64 as a decimal string, got "x"',
    );
    const missing = utf8.encode('{}');
    expect(errorOf(() => codec.decode(missing, 'json', limits)).message).toBe('Message.sent: missing required field');
    const mapValue = utf8.encode('{"reactions":{"ok":-1},"sent":{}}');
    expect(errorOf(() => codec.decode(mapValue, 'json', limits)).message).toBe('Message.reactions["ok"]: u32 out of range: -1');
  });

  it('name the type and the path, on encode, for plain-JS values of the wrong type', () => {
    const codec = chat.Message$codec as TypeCodec<unknown>;
    for (const c of ['json', 'msgpack'] as const) {
      expect(errorOf(() => codec.encode(message({ tags: ['a', 5] }), c)).message).toBe('Message.tags[1]: expected string, got 5');
      expect(errorOf(() => codec.encode(message({ tags: undefined }), c)).message).toBe('Message.tags: expected list, got undefined');
      expect(errorOf(() => codec.encode(message({ reactions: { a: 1 } }), c)).message).toBe(
        'Message.reactions: expected a Map, got an object',
      );
      expect(errorOf(() => codec.encode(message({ id: -1n }), c)).message).toBe('Message.id: expected u64, got -1n');
      // A 64-bit field is a bigint: a number would reach an in-process handler as a number.
      expect(errorOf(() => codec.encode(message({ id: 5 }), c)).message).toBe('Message.id: expected u64, got 5');
    }
  });

  it('keep a union value from being encoded with an unknown case', () => {
    const codec = chat.Attachment$codec as TypeCodec<unknown>;
    expect(errorOf(() => codec.encode({ kind: 'video', value: 1 }, 'msgpack')).message).toBe('Attachment: unknown Attachment case video');
    expect(text.decode(codec.encode({ kind: 'none' }, 'json'))).toBe('{"none":null}');
  });
});

describe('generated codecs and hostile or newer input', () => {
  it('decode __proto__ map keys as ordinary entries', () => {
    const codec = tree.Value$codec as TypeCodec<any>;
    const v = codec.decode(utf8.encode('{"fields":{"__proto__":{"flag":true},"constructor":{"null_value":null}}}'), 'json', limits);
    expect(v.value).toBeInstanceOf(Map);
    expect(v.value.get('__proto__')).toEqual({ kind: 'flag', value: true });
    expect(Object.getPrototypeOf(v.value)).toBe(Map.prototype);
    expect(({} as Record<string, unknown>)['flag']).toBeUndefined();
    const again = codec.decode(codec.encode(v, 'msgpack'), 'msgpack', limits);
    expect(again.value.get('constructor')).toEqual({ kind: 'null_value' });
  });

  it('keep unknown enum values and skip unknown fields', () => {
    const codec = chat.Message$codec as TypeCodec<any>;
    const m = codec.decode(utf8.encode('{"mood":99,"future":[1,{"x":2}],"sent":{}}'), 'json', limits);
    expect(m.mood).toBe(99);
    expect(text.decode(codec.encode(m, 'json'))).toContain('"mood":99');
    expect(codec.decode(codec.encode(m, 'msgpack'), 'msgpack', limits).mood).toBe(99);
  });

  it('reject nesting deeper than max_depth in recursive types, and accept exactly the limit', () => {
    const codec = tree.Value$codec as TypeCodec<unknown>;
    const nested = (levels: number) => '{"items":['.repeat(levels / 2) + '{"flag":true}' + ']}'.repeat(levels / 2);
    // Each union object and each list is one level; the innermost object is level 63 + 1.
    expect(() => codec.decode(utf8.encode(nested(62)), 'json', limits)).not.toThrow();
    expect(errorOf(() => codec.decode(utf8.encode(nested(64)), 'json', limits)).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(() => codec.decode(utf8.encode(nested(64)), 'json', { maxDepth: 65 })).not.toThrow();
  });
});
