// The generated client, handlers interface and publisher, end to end through the real runtime:
// over a Unix socket connection in each codec, and through the direct (in-process) invoker.
// Declared errors arrive as their generated class with their fields; events reach subscribers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallContext, Invoker, Publisher } from '../../runtime-ts/src/module.js';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { DirectInvoker, HubPublisher } from '../../runtime-ts/src/transport/direct.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { pair, type Pair } from '../runtime/harness.js';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO, importGenerated } from './generated.js';

// The generated module, loosely typed here because it is imported at run time.
/* eslint-disable @typescript-eslint/no-explicit-any */
let chat: any;
let common: any;
const posted: unknown[] = [];
const typed: bigint[] = [];

beforeAll(async () => {
  chat = await importGenerated('client-server', ['test/schemas/valid/chat.interop'], 'example.chat');
  common = await import(`${pathToFileURL(join(REPO, 'test/ts/out/client-server/example.common.ts')).href}`);
}, 60_000);

function makeHandlers(publisher: Publisher) {
  const events = new chat.ChatPublisher(publisher);
  return {
    post(text: string, mood: number | undefined, ctx: CallContext) {
      if (text === '') throw new chat.NotFound({ key: 'empty' }, 'nothing to post');
      if (text === 'fast') throw new chat.RateLimited({ retryAfterMs: 250 });
      if (text === 'boom') throw new Error('handler bug');
      const message = {
        id: 2n ** 63n + 1n,
        author: 7n,
        text,
        mood,
        tags: ['a', ctx.peer === 'local' ? 'local' : 'remote'],
        reactions: new Map([['👍', 3]]),
        body: new Uint8Array([1, 2, 3]),
        scores: [1, undefined, -1],
        sent: { millis: -5n, utcOffsetMin: 60 },
      };
      events.messagePosted(message);
      return message;
    },
    async history(page: { offset: number; limit: number }, author: bigint | undefined) {
      if (page.limit === 0) throw new common.InvalidArgument({ field: 'limit', reason: 'zero' });
      return author === undefined ? [] : [{ id: 1n, author, text: `page ${page.offset}`, mood: undefined, tags: [], reactions: new Map(), body: new Uint8Array(0), scores: [], sent: { millis: 0n, utcOffsetMin: 0 } }];
    },
    ping() {},
    typing(user: bigint) {
      typed.push(user);
    },
  };
}

async function exercise(invoker: Invoker) {
  const client = new chat.ChatClient(invoker);
  const received: unknown[] = [];
  const sub = await client.onMessagePosted((m: unknown) => void received.push(m));
  const m = await client.post('hello', chat.Mood.SAD);
  expect(m.id).toBe(2n ** 63n + 1n);
  expect(m.mood).toBe(chat.Mood.SAD);
  expect(m.reactions.get('👍')).toBe(3);
  expect([...m.body]).toEqual([1, 2, 3]);
  expect(m.scores).toEqual([1, undefined, -1]);
  expect(m.sent).toEqual({ millis: -5n, utcOffsetMin: 60 });
  expect((await client.post('no mood')).mood).toBeUndefined();

  const notFound = await client.post('').catch((e: unknown) => e);
  expect(notFound).toBeInstanceOf(chat.NotFound);
  expect(notFound).toBeInstanceOf(InteropError);
  expect(notFound.key).toBe('empty');
  expect(notFound.message).toBe('nothing to post');
  expect(notFound.code).toBe(ErrorCode.APPLICATION_ERROR);
  expect(notFound.errorType).toBe('example.chat.NotFound');
  const limited = await client.post('fast').catch((e: unknown) => e);
  expect(limited).toBeInstanceOf(chat.RateLimited);
  expect(limited.retryAfterMs).toBe(250);
  const bug = await client.post('boom').catch((e: unknown) => e);
  expect(bug).toBeInstanceOf(InteropError);
  expect(bug.code).toBe(ErrorCode.INTERNAL);

  // An error type from an imported module, and an imported struct as a parameter.
  const invalidArg = await client.history({ offset: 0, limit: 0 }).catch((e: unknown) => e);
  expect(invalidArg.errorType).toBe('example.common.InvalidArgument');
  expect(invalidArg.field).toBe('limit');
  expect(await client.history({ offset: 3, limit: 1 })).toEqual([]);
  const page = await client.history({ offset: 3, limit: 1 }, 9n);
  expect(page[0].text).toBe('page 3');
  expect(page[0].author).toBe(9n);

  expect(await client.ping()).toBeUndefined();
  client.typing(42n);
  await new Promise((r) => setTimeout(r, 50));
  expect(typed).toContain(42n);
  await sub.unsubscribe();
  expect(received.length).toBeGreaterThanOrEqual(2);
  expect((received[0] as { text: string }).text).toBe('hello');
}

describe('generated client and handlers', () => {
  const pairs: Pair[] = [];
  afterAll(async () => {
    for (const p of pairs) await p.close();
  });

  for (const codec of ['msgpack', 'json', 'protobuf', 'flatbuffers'] as const) {
    it(`over a Unix socket in ${codec}`, async () => {
      let publisher!: Publisher;
      const handlers = new Proxy({}, { get: (_t, name) => (makeHandlers(publisher) as Record<string | symbol, unknown>)[name] });
      const p = await pair({ serverHosts: [{ descriptor: chat.ChatModule, handlers }], client: { codec, wants: [chat.ChatModule] } });
      pairs.push(p);
      publisher = new HubPublisher(p.serverServices.hub);
      await exercise(p.client as unknown as Invoker);
    }, 30_000);
  }

  it('in the same process through the direct invoker', async () => {
    const { EventHub } = await import('../../runtime-ts/src/node/events.js');
    const hub = new EventHub();
    const handlers = makeHandlers(new HubPublisher(hub));
    await exercise(new DirectInvoker({ descriptor: chat.ChatModule, handlers }, hub, DEFAULT_LIMITS));
  });
});
