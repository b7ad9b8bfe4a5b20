// Streams under pressure in TypeScript (docs/wire.md §1.5, §5, §6): credit holds a producer whose
// consumer stopped reading, cancellation from either side reaches the other at once, deadlines
// cover the whole stream, a lost peer fails both sides with UNAVAILABLE, in-flight slots count
// streams, and frames that break the rules end their stream (raw frames on a real connection).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { DirectInvoker } from '../../runtime-ts/src/transport/direct.js';
import { CodecId, FrameFlag, FrameKind } from '../../runtime-ts/src/wire/frame.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { pair, sleep, type Pair } from '../runtime/harness.js';
import { compileBundle, generateTs, importGenerated, REPO, writeGenerated } from '../ts/generated.js';
import { chunk, newStats, streamsImpl, type StreamStats } from './streams-impl.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
let gen: any;
const WINDOW = DEFAULT_LIMITS.streamWindow;
/** "Within milliseconds" on a loaded 2-core machine: far below any deadline, far above a turn. */
const PROMPT_MS = 500;

beforeAll(async () => {
  gen = await importGenerated('stream-control', ['test/streams/streams.interop'], 'test.streams');
});

let open: Pair[] = [];
afterEach(async () => {
  for (const p of open) await p.close();
  open = [];
});

async function connected(limits: Partial<typeof DEFAULT_LIMITS> = {}): Promise<{ p: Pair; client: any; stats: StreamStats }> {
  const stats = newStats();
  const p = await pair({ serverHosts: [{ descriptor: gen.StreamsModule, handlers: streamsImpl(gen, stats) }], client: { wants: [gen.StreamsModule] }, serverLimits: limits, clientLimits: limits });
  open.push(p);
  stats.heldBytes = () => p.server.outboundBytes();
  return { p, client: new gen.StreamsClient(p.client), stats };
}

function direct(): { client: any; stats: StreamStats } {
  const stats = newStats();
  const hosted = { descriptor: gen.StreamsModule, handlers: streamsImpl(gen, stats) };
  const services = new ServiceTable('direct', [hosted]);
  return { client: new gen.StreamsClient(new DirectInvoker(hosted, services.hub, DEFAULT_LIMITS, services.counters)), stats };
}

async function until(what: string, ok: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

describe('flow control', () => {
  it.each(['unix', 'direct'] as const)('a consumer that stops reading holds its producer at the window (%s): 100 MiB are never made', async (kind) => {
    const { client, stats } = kind === 'unix' ? await connected() : direct();
    const flood = client.flood(65_536, 100n * 1024n * 1024n)[Symbol.asyncIterator]();
    for (let i = 0; i < 10; i++) expect((await flood.next()).value.length).toBe(65_536);
    // The producer runs on as far as credit lets it: half a window ahead at least (however long
    // that takes on a loaded machine), and, given time, never more than a window.
    await until('the producer to use its credit', () => stats.floodProduced >= BigInt(10 + WINDOW / 2), 10_000);
    await sleep(300);
    // 10 taken, and at most a window ahead: the generator was not even asked for more.
    expect(Number(stats.floodProduced)).toBeLessThanOrEqual(10 + WINDOW);
    // Nothing waits in the producer's runtime beyond what the socket took.
    expect(stats.heldBytes()).toBeLessThanOrEqual(65_536 + 1024);
    // The producer kept to its credit: the stream is whole, and goes on when read again.
    for (let i = 0; i < WINDOW; i++) expect((await flood.next()).value.length).toBe(65_536);
    await flood.return();
  });

  it('the stream_window limit sets the credit, and it is granted again at half the window', async () => {
    const { client, stats } = await connected({ streamWindow: 4 });
    const flood = client.flood(16, 1_000_000n)[Symbol.asyncIterator]();
    await flood.next();
    await until('the window to be used', () => stats.floodProduced >= 4n);
    await sleep(100);
    expect(Number(stats.floodProduced)).toBe(4); // one taken: no new credit before ceil(4 / 2)
    await flood.next();
    await until('the new credit to be used', () => stats.floodProduced >= 6n);
    await sleep(100);
    expect(Number(stats.floodProduced)).toBe(6); // two taken: two more granted
    await flood.return();
  });
});

describe('cancellation', () => {
  it.each(['unix', 'direct'] as const)('a consumer that breaks out cancels: the handler learns it within milliseconds (%s)', async (kind) => {
    const { client, stats } = kind === 'unix' ? await connected() : direct();
    let stoppedAt = 0;
    for await (const tick of client.ticks(3, 'hang')) {
      if (tick.n === 3) {
        stoppedAt = Date.now();
        break;
      }
    }
    await until('the handler to see the cancel', () => stats.cancelledAtMs > 0);
    expect(stats.cancelCode).toBe(ErrorCode.CANCELLED);
    expect(stats.cancelledAtMs - stoppedAt).toBeLessThan(PROMPT_MS);
  });

  it.each(['unix', 'direct'] as const)('an abort signal fails the stream with CANCELLED on both sides (%s)', async (kind) => {
    const { client, stats } = kind === 'unix' ? await connected() : direct();
    const abort = new AbortController();
    const got: number[] = [];
    const error = await (async () => {
      try {
        for await (const tick of client.ticks(2, 'hang', { signal: abort.signal })) {
          got.push(tick.n);
          if (tick.n === 2) abort.abort();
        }
      } catch (e) {
        return e;
      }
    })();
    expect(got).toEqual([1, 2]);
    expect((error as InteropError).code).toBe(ErrorCode.CANCELLED);
    await until('the handler to see the cancel', () => stats.cancelledAtMs > 0);
    expect(stats.cancelCode).toBe(ErrorCode.CANCELLED);
  });

  it.each(['unix', 'direct'] as const)('the callee cancels: the caller gets its items, then CANCELLED, within milliseconds (%s)', async (kind) => {
    const { client } = kind === 'unix' ? await connected() : direct();
    const got: Array<{ n: number; atMs: number }> = [];
    const error = await (async () => {
      try {
        for await (const tick of client.ticks(4, 'cancel')) got.push(tick);
      } catch (e) {
        return e;
      }
    })();
    const learnedAt = Date.now();
    expect(got.map((t) => t.n)).toEqual([1, 2, 3, 4]);
    expect((error as InteropError).code).toBe(ErrorCode.CANCELLED);
    expect(learnedAt - got[3]!.atMs).toBeLessThan(PROMPT_MS);
  });

  it('a client stream whose input fails is cancelled: the callee sees it, the caller gets the failure', async () => {
    const { client, stats } = await connected();
    async function* failing() {
      yield chunk(10);
      await sleep(10);
      throw new Error('disk on fire');
    }
    const error = await client.upload(false, failing()).catch((e: unknown) => e);
    expect((error as InteropError).code).toBe(ErrorCode.CANCELLED);
    expect((error as Error).message).toMatch(/disk on fire/);
    await until('the handler to see the cancel', () => stats.cancelledAtMs > 0);
  });

  it('the deadline covers the whole stream: DEADLINE_EXCEEDED after the items, and the handler is cancelled', async () => {
    const { client, stats } = await connected();
    const got: number[] = [];
    const started = Date.now();
    const error = await (async () => {
      try {
        for await (const tick of client.ticks(3, 'hang', { timeoutMs: 300 })) got.push(tick.n);
      } catch (e) {
        return e;
      }
    })();
    expect(got).toEqual([1, 2, 3]);
    expect((error as InteropError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    await until('the handler to see the deadline', () => stats.cancelledAtMs > 0);
    expect([ErrorCode.DEADLINE_EXCEEDED, ErrorCode.CANCELLED]).toContain(stats.cancelCode);
  });

  it('a lost peer fails the stream with UNAVAILABLE on both sides, at once', async () => {
    const { p, client, stats } = await connected();
    const ticks = client.ticks(2, 'hang')[Symbol.asyncIterator]();
    await ticks.next();
    const lostAt = Date.now();
    p.client.channel.destroy();
    const error = await (async () => {
      for (;;) await ticks.next();
    })().catch((e: unknown) => e);
    expect((error as InteropError).code).toBe(ErrorCode.UNAVAILABLE);
    expect(Date.now() - lostAt).toBeLessThan(PROMPT_MS);
    await until('the handler to see the loss', () => stats.cancelledAtMs > 0);
    expect(stats.cancelCode).toBe(ErrorCode.UNAVAILABLE);
  });
});

describe('limits', () => {
  it('a stream holds an in-flight slot for its life: past max_in_flight the next one waits', async () => {
    const { client } = await connected({ maxInFlight: 1 });
    const first = client.ticks(1, 'hang')[Symbol.asyncIterator]();
    expect((await first.next()).value.n).toBe(1);
    const second = client.ticks(1, 'ok')[Symbol.asyncIterator]();
    const secondItem = second.next();
    let settled = false;
    void secondItem.then(() => (settled = true));
    await sleep(100);
    expect(settled).toBe(false);
    await first.return();
    expect((await secondItem).value.n).toBe(1);
  });
});

describe('frames that break the rules (docs/wire.md §1.5)', () => {
  /** A client stream opened through the generated client, and its correlation id on the wire. */
  async function openUpload(p: Pair, client: any): Promise<{ result: Promise<unknown>; id: number; more: () => void }> {
    let more!: () => void;
    async function* input() {
      yield chunk(1);
      await new Promise<void>((r) => (more = r));
    }
    const result = client.upload(false, input()).catch((e: unknown) => e);
    await until('the REQUEST to be served', () => p.server.server.active.size === 1);
    const id = [...p.server.server.active.keys()][0]!;
    return { result, id, more: () => more() };
  }

  it('an item beyond the credit granted ends the stream with RESOURCE_EXHAUSTED', async () => {
    const { p, client } = await connected({ streamWindow: 2 });
    // The handler reads an input line only after it could send the answer to the one before, and
    // the caller reads no answer: so the callee's credit stops at a few items.
    const answers = client.pingPong((async function* () {
      await new Promise(() => undefined);
    })())[Symbol.asyncIterator]();
    const first = answers.next();
    await until('the REQUEST to be served', () => p.server.server.active.size === 1);
    const id = [...p.server.server.active.keys()][0]!;
    const emptyString = new Uint8Array([0xa0]);
    for (let i = 0; i < 10; i++) {
      p.client.send({ kind: FrameKind.STREAM_ITEM, codec: CodecId.msgpack, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: emptyString });
    }
    const error = await (async () => {
      for (let r = await first; ; r = await answers.next()) if (r.done === true) return undefined;
    })().catch((e: unknown) => e);
    expect((error as InteropError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect((error as InteropError).message).toMatch(/beyond the credit/);
    expect(p.serverServices.counters['rejected_frames']).toBe(1);
  });

  it('a second STREAM_END, an item that does not decode, a malformed credit: each ends its stream', async () => {
    const cases: Array<[string, (id: number) => Parameters<Pair['client']['send']>[0], number]> = [
      ['second end', (id) => ({ kind: FrameKind.STREAM_END, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: new Uint8Array(0) }), ErrorCode.PROTOCOL_ERROR],
      ['bad item', (id) => ({ kind: FrameKind.STREAM_ITEM, codec: CodecId.msgpack, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: new Uint8Array([0xc1]) }), ErrorCode.INVALID_ARGUMENT],
      ['credit for no output', (id) => ({ kind: FrameKind.STREAM_CREDIT, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: new Uint8Array([1, 0, 0, 0]) }), ErrorCode.PROTOCOL_ERROR],
    ];
    for (const [what, frame, code] of cases) {
      const { p, client } = await connected();
      const { result, id } = await openUpload(p, client);
      if (what === 'second end') p.client.send(frame(id));
      p.client.send(frame(id));
      expect(((await result) as InteropError).code, what).toBe(code);
    }
  });

  it('a STREAM_CREDIT of 0 from the callee ends the stream on the caller with PROTOCOL_ERROR, and a CANCEL', async () => {
    const { p, client, stats } = await connected();
    const { result, id } = await openUpload(p, client);
    p.server.send({ kind: FrameKind.STREAM_CREDIT, codec: CodecId.none, flags: FrameFlag.CALLEE, correlation: id, timeoutMs: 0, target: '', payload: new Uint8Array([0, 0, 0, 0]) });
    expect(((await result) as InteropError).code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(p.clientServices.counters['rejected_frames']).toBe(1);
    await until('the handler to see the CANCEL', () => stats.cancelledAtMs > 0);
    expect(stats.cancelCode).toBe(ErrorCode.CANCELLED);
  });

  it('stream frames naming no open stream are dropped and counted as late', async () => {
    const { p, client } = await connected();
    expect(await client.upload(false, [chunk(2)])).toBe(2n);
    for (const kind of [FrameKind.STREAM_ITEM, FrameKind.STREAM_END, FrameKind.STREAM_CREDIT] as const) {
      p.client.send({ kind, codec: kind === FrameKind.STREAM_ITEM ? CodecId.msgpack : CodecId.none, flags: 0, correlation: 999, timeoutMs: 0, target: '', payload: kind === FrameKind.STREAM_CREDIT ? new Uint8Array([1, 0, 0, 0]) : new Uint8Array(0) });
      p.server.send({ kind, codec: CodecId.none, flags: FrameFlag.CALLEE, correlation: 998, timeoutMs: 0, target: '', payload: new Uint8Array(0) });
    }
    await until('late frames to be counted', () => p.serverServices.counters['late_stream_frames'] === 3 && p.clientServices.counters['late_stream_frames'] === 3);
    expect(await client.upload(false, [chunk(4)])).toBe(4n); // the connection goes on
  });

  it('a REQUEST whose stream flags are not the function\'s is refused with INVALID_ARGUMENT', async () => {
    const { p } = await connected();
    const error = await p.client.call(gen.StreamsModule, gen.StreamsModule.functions.download, [[1]]).catch((e: unknown) => e);
    expect((error as InteropError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect((error as InteropError).message).toMatch(/stream function, sent as call/);
  });
});

describe('a peer of another version (docs/wire.md §2.2)', () => {
  it('a stream it lacks is UNIMPLEMENTED and one whose items changed SCHEMA_MISMATCH, before anything is sent; the others work', async () => {
    // Version 2 of the schema as this caller has it: flood is gone from the server's version 1
    // point of view (renamed), and ticks streams another item type.
    const dir = join(REPO, 'test/ts/out/stream-control-v2');
    mkdirSync(dir, { recursive: true });
    const v2 = readFileSync(join(REPO, 'test/streams/streams.interop'), 'utf8')
      .replace('fn flood(', 'fn flood_v2(')
      .replace('-> stream<Tick> throws Refused;', '-> stream<string> throws Refused;');
    writeFileSync(join(dir, 'streams.interop'), v2);
    const out = writeGenerated('stream-control-v2-gen', await generateTs(compileBundle([join(dir, 'streams.interop')])));
    const newer = (await import(pathToFileURL(join(out, 'test.streams.ts')).href)) as any;
    const stats = newStats();
    const p = await pair({ serverHosts: [{ descriptor: gen.StreamsModule, handlers: streamsImpl(gen, stats) }], client: { wants: [newer.StreamsModule] } });
    open.push(p);
    const client = new newer.StreamsClient(p.client);
    const missing = await client.floodV2(16, 16n).next().catch((e: unknown) => e);
    expect((missing as InteropError).code).toBe(ErrorCode.UNIMPLEMENTED);
    const changed = await client.ticks(1, 'ok').next().catch((e: unknown) => e);
    expect((changed as InteropError).code).toBe(ErrorCode.SCHEMA_MISMATCH);
    expect((changed as InteropError).message).toMatch(/ticks/);
    expect(stats.cancelledAtMs).toBe(0); // nothing reached the server's handlers
    expect(await client.upload(false, [chunk(3)])).toBe(3n);
  });
});
