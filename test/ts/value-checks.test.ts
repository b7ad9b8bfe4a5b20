// Value checks (docs/wire.md §3.4): a value its type cannot hold is refused with the same typed
// error on every path: by each codec's encoder, by the codec's `validate` (no encoding), and by a
// call, whether it goes through the direct invoker or over a socket in either codec. Arguments,
// results, declared errors and events alike.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicCodecs, type IrModule, type TypeCodec } from '../../runtime-ts/src/codec/index.js';
import { InteropError, errorCodeName } from '../../runtime-ts/src/errors.js';
import type { Invoker } from '../../runtime-ts/src/module.js';
import { EventHub } from '../../runtime-ts/src/node/events.js';
import type { Counters } from '../../runtime-ts/src/node/services.js';
import { DirectInvoker, HubPublisher } from '../../runtime-ts/src/transport/direct.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { pair, sleep, type Pair } from '../runtime/harness.js';
import { compileBundle, importGenerated } from './generated.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let chat: any;

beforeAll(async () => {
  chat = await importGenerated('value-checks', ['test/schemas/valid/chat.interop'], 'example.chat');
}, 60_000);

function message(overrides: Record<string, unknown> = {}) {
  return {
    id: 1n, author: 2n, text: 'hi', mood: undefined, tags: ['a'], reactions: new Map([['b', 1]]), body: new Uint8Array(0),
    scores: [1, undefined], sent: { millis: 0n, utcOffsetMin: 0 }, ...overrides,
  };
}

/** `code: message` of what `f` throws or rejects with, or 'ok'. */
async function outcome(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof InteropError)) return `not an InteropError: ${String(e)}`;
    return `${errorCodeName(e.code)}: ${e.message}`;
  }
}

describe('codec value checks', () => {
  // Each value, and what every path says about it.
  const cases: Array<[string, () => Record<string, unknown>, string]> = [
    ['a missing nested struct', () => message({ sent: undefined }), 'Message.sent: expected Timestamp, got undefined'],
    ['a null nested struct', () => message({ sent: null }), 'Message.sent: expected Timestamp, got null'],
    ['a nested field of the wrong type', () => message({ sent: { millis: 0n, utcOffsetMin: '1' } }), 'Message.sent.utc_offset_min: expected i16, got "1"'],
    ['a number for a u64', () => message({ id: 5 }), 'Message.id: expected u64, got 5'],
    ['a u64 out of range', () => message({ author: 2n ** 64n }), 'Message.author: expected u64, got 18446744073709551616n'],
    ['a lone surrogate', () => message({ text: 'a\ud800b' }), 'Message.text: expected string, got one with a lone surrogate (U+D800 at index 1)'],
    ['an i32 out of range in a list', () => message({ scores: [1, 2 ** 31] }), 'Message.scores[1]: expected i32, got 2147483648'],
    ['a bigint for an i32', () => message({ scores: [5n] }), 'Message.scores[0]: expected i32, got 5n'],
    ['a u32 map value out of range', () => message({ reactions: new Map([['a', 1], ['b', -1]]) }), 'Message.reactions["b"]: expected u32, got -1'],
    // The encoders write entries in key order: the first bad one in that order is reported.
    ['two bad map values, not in key order', () => message({ reactions: new Map([['b', -1], ['a', -2]]) }), 'Message.reactions["a"]: expected u32, got -2'],
    ['an enum out of i32 range', () => message({ mood: 2 ** 32 }), 'Message.mood: expected i32, got 4294967296'],
    ['a list that is not an array', () => message({ tags: 'a' }), 'Message.tags: expected list, got "a"'],
    ['bytes that are not a Uint8Array', () => message({ body: [1] }), 'Message.body: expected bytes, got an array'],
  ];

  for (const [what, value, detail] of cases) {
    it(`refuse ${what} alike when checking and when encoding in either codec`, async () => {
      const codec = chat.Message$codec as TypeCodec<unknown>;
      const want = `INVALID_ARGUMENT: ${detail}`;
      expect(await outcome(() => codec.validate(value()))).toBe(want);
      expect(await outcome(() => codec.encode(value(), 'msgpack'))).toBe(want);
      expect(await outcome(() => codec.encode(value(), 'json'))).toBe(want);
    });
  }

  it('refuse a union value that is not an object or names no case', async () => {
    const codec = chat.Attachment$codec as TypeCodec<unknown>;
    for (const [value, detail] of [
      [undefined, 'Attachment: expected Attachment, got undefined'],
      [{ kind: 'link', value: 7 }, 'Attachment.link: expected string, got 7'],
      [{ kind: 'video' }, 'Attachment: unknown Attachment case video'],
    ] as const) {
      for (const f of [() => codec.validate(value), () => codec.encode(value, 'msgpack'), () => codec.encode(value, 'json')]) {
        expect(await outcome(f)).toBe(`INVALID_ARGUMENT: ${detail}`);
      }
    }
    expect(await outcome(() => codec.validate({ kind: 'none' }))).toBe('ok');
  });
});

describe('dynamic codec value checks (interop call, tools)', () => {
  it('refuse what generated code refuses, with the same messages', async () => {
    const dynamic = new DynamicCodecs(compileBundle(['test/schemas/valid/chat.interop']).modules as IrModule[]);
    const codec = dynamic.codecByName('example.chat.Message');
    // The dynamic value model keys struct fields by their IDL names.
    const value = (overrides: Record<string, unknown>) => message({ sent: { millis: 0n, utc_offset_min: 0 }, ...overrides });
    for (const [overrides, detail] of [
      [{ sent: undefined }, 'Message.sent: expected Timestamp, got undefined'],
      [{ sent: { millis: 0n, utc_offset_min: '1' } }, 'Message.sent.utc_offset_min: expected i16, got "1"'],
      [{ id: 5 }, 'Message.id: expected u64, got 5'],
      [{ text: 'a\ud800b' }, 'Message.text: expected string, got one with a lone surrogate (U+D800 at index 1)'],
      [{ reactions: new Map([['b', -1], ['a', -2]]) }, 'Message.reactions["a"]: expected u32, got -2'],
    ] as const) {
      for (const f of [() => codec.validate(value(overrides)), () => codec.encode(value(overrides), 'msgpack'), () => codec.encode(value(overrides), 'json')]) {
        expect(await outcome(f)).toBe(`INVALID_ARGUMENT: ${detail}`);
      }
    }
    expect(await outcome(() => codec.validate(value({})))).toBe('ok');
    const post = dynamic.moduleDescriptor('example.chat').functions.post!;
    expect(await outcome(() => post.params.validate([5, undefined]))).toBe('INVALID_ARGUMENT: post.text: expected string, got 5');
  });
});

// The same calls through every invoker must end the same way.
describe('calls refuse the same values on every transport', () => {
  const pairs: Pair[] = [];
  const outcomes = new Map<string, Map<string, string>>();
  const counters = new Map<string, Counters>();
  afterAll(async () => {
    for (const p of pairs) await p.close();
  });

  function handlers() {
    return {
      post(text: string) {
        if (text === 'bad result') return message({ text: 5 });
        if (text === 'no sent') return message({ sent: undefined });
        if (text === 'bad error') throw new chat.NotFound({ key: 7 });
        return message({ text });
      },
      history() {
        return [message(), message({ tags: [1] })];
      },
      ping() {},
      typing() {},
    };
  }

  async function run(invoker: Invoker): Promise<Map<string, string>> {
    const client = new chat.ChatClient(invoker);
    const results = new Map<string, string>();
    const page = { offset: 0, limit: 1 };
    results.set('good call', await outcome(() => client.post('fine')));
    results.set('string arg given a number', await outcome(() => client.post(5)));
    results.set('enum arg out of range', await outcome(() => client.post('x', 2 ** 31)));
    results.set('string arg with a lone surrogate', await outcome(() => client.post('\udc00')));
    results.set('struct arg missing', await outcome(() => client.history(undefined)));
    results.set('u64 arg given a number', await outcome(() => client.history(page, 5)));
    results.set('one-way arg out of range', await outcome(() => client.typing(-1n)));
    results.set('invalid result', await outcome(() => client.post('bad result')));
    results.set('result missing a nested struct', await outcome(() => client.post('no sent')));
    results.set('invalid list result', await outcome(() => client.history(page)));
    results.set('invalid declared error', await outcome(() => client.post('bad error')));
    return results;
  }

  it('through the direct invoker', async () => {
    const c: Counters = {};
    counters.set('direct', c);
    outcomes.set('direct', await run(new DirectInvoker({ descriptor: chat.ChatModule, handlers: handlers() }, new EventHub(), DEFAULT_LIMITS, c)));
  });

  for (const codec of ['msgpack', 'json'] as const) {
    it(`over a Unix socket in ${codec}`, async () => {
      const p = await pair({ serverHosts: [{ descriptor: chat.ChatModule, handlers: handlers() }], client: { codec, wants: [chat.ChatModule] } });
      pairs.push(p);
      counters.set(codec, p.serverServices.counters);
      outcomes.set(codec, await run(p.client as unknown as Invoker));
    }, 30_000);
  }

  it('with the same errors everywhere', () => {
    const direct = outcomes.get('direct')!;
    expect(Object.fromEntries(direct)).toEqual({
      'good call': 'ok',
      'string arg given a number': 'INVALID_ARGUMENT: post.text: expected string, got 5',
      'enum arg out of range': 'INVALID_ARGUMENT: post.mood: expected i32, got 2147483648',
      'string arg with a lone surrogate': 'INVALID_ARGUMENT: post.text: expected string, got one with a lone surrogate (U+DC00 at index 0)',
      'struct arg missing': 'INVALID_ARGUMENT: history.page: expected Page, got undefined',
      'u64 arg given a number': 'INVALID_ARGUMENT: history.author: expected u64, got 5',
      'one-way arg out of range': 'INVALID_ARGUMENT: typing.user: expected u64, got -1n',
      'invalid result': 'INTERNAL: post: the handler returned an invalid result: Message.text: expected string, got 5',
      'result missing a nested struct': 'INTERNAL: post: the handler returned an invalid result: Message.sent: expected Timestamp, got undefined',
      'invalid list result': 'INTERNAL: history: the handler returned an invalid result: history result[1].tags[0]: expected string, got 1',
      'invalid declared error': 'INTERNAL: post: the handler raised an invalid example.chat.NotFound: NotFound.key: expected string, got 7',
    });
    for (const codec of ['msgpack', 'json']) expect(Object.fromEntries(outcomes.get(codec)!)).toEqual(Object.fromEntries(direct));
    // Each handler whose answer was refused counts as a handler error, wherever it ran.
    for (const c of counters.values()) expect(c.handler_errors).toBe(4);
  });
});

describe('publishing an event refuses a payload its type cannot hold', () => {
  let p: Pair | undefined;
  afterAll(async () => {
    await p?.close();
  });

  it('before any subscriber, local or remote, sees it; counted in unencodable_events', async () => {
    p = await pair({ serverHosts: [{ descriptor: chat.ChatModule, handlers: {} }], client: { codec: 'msgpack', wants: [chat.ChatModule] } });
    const remote: unknown[] = [];
    const local: unknown[] = [];
    await new chat.ChatClient(p.client as unknown as Invoker).onMessagePosted((m: unknown) => void remote.push(m));
    const hub = p.serverServices.hub;
    await new chat.ChatClient(new DirectInvoker({ descriptor: chat.ChatModule, handlers: {} }, hub, DEFAULT_LIMITS)).onMessagePosted(
      (m: unknown) => void local.push(m),
    );
    const events = new chat.ChatPublisher(new HubPublisher(hub, p.serverServices.counters));
    expect(await outcome(() => events.messagePosted(message({ tags: [1] })))).toBe('INVALID_ARGUMENT: Message.tags[0]: expected string, got 1');
    expect(await outcome(() => events.messagePosted(message({ sent: undefined })))).toBe(
      'INVALID_ARGUMENT: Message.sent: expected Timestamp, got undefined',
    );
    events.messagePosted(message({ text: 'good' }));
    for (let i = 0; i < 100 && remote.length === 0; i++) await sleep(10);
    expect(local.map((m: any) => m.text)).toEqual(['good']);
    expect(remote.map((m: any) => m.text)).toEqual(['good']);
    expect(p.serverServices.counters.unencodable_events).toBe(2);
  });
});
