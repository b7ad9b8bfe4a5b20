// Streams end to end in TypeScript (docs/wire.md §1.5, docs/ts.md "Streams"): generated client
// and handlers of test/streams/streams.interop, through the direct invoker and over unix and tcp
// connections, in JSON and msgpack: client, server and bidirectional streams, empty ones, errors
// after items, and the answer of a client stream that did not read everything.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import type { Invoker } from '../../runtime-ts/src/module.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { DirectInvoker } from '../../runtime-ts/src/transport/direct.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { pair, type Pair } from '../runtime/harness.js';
import { importGenerated } from '../ts/generated.js';
import { chunk, newStats, streamsImpl } from './streams-impl.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let gen: any;

beforeAll(async () => {
  gen = await importGenerated('streams', ['test/streams/streams.interop'], 'test.streams');
});

type Setup = { client: any; close: () => Promise<void> };

async function setup(transport: 'direct' | 'unix' | 'tcp', codec: 'json' | 'msgpack'): Promise<Setup> {
  const stats = newStats();
  const hosted = { descriptor: gen.StreamsModule, handlers: streamsImpl(gen, stats) };
  if (transport === 'direct') {
    const services = new ServiceTable('direct', [hosted]);
    const invoker: Invoker = new DirectInvoker(hosted, services.hub, DEFAULT_LIMITS, services.counters);
    return { client: new gen.StreamsClient(invoker), close: async () => undefined };
  }
  const p: Pair = await pair({ transport, serverHosts: [hosted], client: { codec, wants: [gen.StreamsModule] } });
  return { client: new gen.StreamsClient(p.client), close: () => p.close() };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((r) => setImmediate(r));
    yield item;
  }
}

const combos = [
  ['direct', 'json'],
  ['unix', 'json'],
  ['unix', 'msgpack'],
  ['tcp', 'json'],
  ['tcp', 'msgpack'],
] as const;

describe.each(combos)('streams over %s (%s)', (transport, codec) => {
  let s: Setup;
  beforeAll(async () => {
    s = await setup(transport, codec);
  });
  afterAll(() => s.close());

  it('client stream: four chunks of 27,182, 8, 1,828 and 45,904 bytes are answered with 74,922', async () => {
    const sizes = [27_182, 8, 1_828, 45_904];
    expect(await s.client.upload(true, sizes.map(chunk))).toBe(74_922n);
    expect(await s.client.upload(true, slowly(sizes.map(chunk)))).toBe(74_922n);
  });

  it('server stream: chunks of 31,415, 9, 2,653 and 58,979 bytes arrive whole and in order', async () => {
    const sizes = [31_415, 9, 2_653, 58_979];
    const got: Uint8Array[] = await collect(s.client.download(sizes));
    expect(got.map((c) => c.length)).toEqual(sizes);
    for (const c of got) expect(Buffer.compare(c, chunk(c.length))).toBe(0);
  });

  it('bidirectional ping-pong: one answer per line, in order, each before the next line is sent', async () => {
    let answered = 0;
    const answers: string[] = [];
    let next!: () => void;
    async function* lines() {
      for (let i = 0; i < 50; i++) {
        yield `line ${i}`;
        await new Promise<void>((r) => (next = r)); // the next line only after this one's answer
        expect(answered).toBe(i + 1);
      }
    }
    for await (const answer of s.client.pingPong(lines())) {
      answers.push(answer);
      answered++;
      next();
    }
    expect(answers).toEqual(Array.from({ length: 50 }, (_, i) => `pong line ${i}`));
  });

  it('empty streams: no chunks is 0, no sizes no items, no lines no answers', async () => {
    expect(await s.client.upload(true, [])).toBe(0n);
    expect(await collect(s.client.download([]))).toEqual([]);
    expect(await collect(s.client.pingPong([]))).toEqual([]);
  });

  it('an error ends the stream after the items before it: declared as its class, undeclared as INTERNAL', async () => {
    const got: number[] = [];
    const refused = await (async () => {
      try {
        for await (const t of s.client.ticks(3, 'refused')) got.push(t.n);
      } catch (error) {
        return error;
      }
    })();
    expect(got).toEqual([1, 2, 3]);
    expect(refused).toBeInstanceOf(gen.Refused);
    expect((refused as any).reason).toBe('after 3');

    const internal = await collect(s.client.ticks(2, 'internal')).catch((e: unknown) => e);
    expect(internal).toBeInstanceOf(InteropError);
    expect((internal as InteropError).code).toBe(ErrorCode.INTERNAL);

    const early = await s.client.upload(true, [chunk(3), chunk(0), chunk(5)]).catch((e: unknown) => e);
    expect(early).toBeInstanceOf(gen.Refused);
  });

  it('values are checked as an encoder checks them (docs/wire.md §3.4), in process too', async () => {
    // The caller's item: refused to the caller as an argument is.
    const caller = (await s.client.upload(true, [chunk(3), 'not bytes']).catch((e: unknown) => e)) as InteropError;
    expect(caller.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(caller.message).toMatch(/^upload input: expected bytes, got /);
    // The handler's item: its fault, INTERNAL to the caller, after the items before it.
    const got: number[] = [];
    const handler = await (async () => {
      for await (const t of s.client.ticks(2, 'bad')) got.push(t.n);
    })().catch((e: unknown) => e as InteropError);
    expect(got).toEqual([1, 2]);
    expect(handler?.code).toBe(ErrorCode.INTERNAL);
    expect(handler?.message).toMatch(/^ticks: the handler sent an invalid item: Tick\.n: expected u32, got -1/);
    // Parameters, as for any call.
    const params = (await s.client.download(['x']).next().catch((e: unknown) => e)) as InteropError;
    expect(params.code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(params.message).toMatch(/^download\.sizes\[0\]: expected u32/);
  });

  it("a client stream's callee may answer before the caller's input ends; the rest is not sent", async () => {
    let produced = 0;
    function* items() {
      for (let i = 1; i <= 1_000_000; i++) {
        produced = i;
        yield i;
      }
    }
    expect(await s.client.take(5, items())).toBe(15n);
    await new Promise((r) => setTimeout(r, 20));
    // The input was read under credit (the window, 64), never to its end.
    expect(produced).toBeLessThan(200);
  });
});
