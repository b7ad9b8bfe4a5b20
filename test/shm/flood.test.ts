// A consumer that stops reading a runtime-ts shm link (docs/wire.md §9.4): the node's answers fill
// the ring (fixed, 256 KiB), then its bounded outbox, then it stops reading that peer
// (paused_reads); its memory stays bounded, others are served, and every PING is answered in order
// once the peer reads again. The flooder speaks frames by hand over a shm channel, so that "does
// not read" is exact (as test/runtime/flow-control.test.ts does over a unix socket).

import { afterEach, expect, it } from 'vitest';
import type { Connection } from '../../runtime-ts/src/node/connection.js';
import { shmTransport } from '../../runtime-ts/src/transport/shm.js';
import { CodecId, DEFAULT_LIMITS, FrameDecoder, FrameError, FrameKind, encodeFrame, encodeHandshake, type Frame } from '../../runtime-ts/src/wire/index.js';
import { calcHandlers, calcModule } from '../runtime/fixtures.js';
import { connectClient, sleep, startServer } from '../runtime/harness.js';

const calc = calcModule();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function until(done: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; !done() && Date.now() < end; ) await sleep(5);
}

it('a peer that stops reading: the ring, then the bounded outbox, then the node stops reading it', async () => {
  const maxInFlight = 16;
  const s = await startServer({ transport: 'shm', serverHosts: [{ descriptor: calc, handlers: calcHandlers() }], serverLimits: { maxInFlight } });
  cleanups.push(() => s.listener.close());
  const good = await connectClient(s.listener.address, { client: { wants: [calc] } });
  cleanups.push(() => good.channel.destroy());

  const raw = await shmTransport.connect(s.listener.address);
  cleanups.push(() => raw.destroy());
  const frames: Frame[] = [];
  const decoder = new FrameDecoder(DEFAULT_LIMITS);
  let drained: (() => void) | undefined;
  raw.start({
    data: (chunk) => frames.push(...decoder.push(chunk).filter((f): f is Frame => !(f instanceof FrameError))),
    close: () => undefined,
    drain: () => drained?.(),
  });
  const send = (f: Partial<Frame>) => raw.write([encodeFrame({ kind: FrameKind.PING, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new Uint8Array(0), ...f })]);
  send({ kind: FrameKind.HELLO, codec: CodecId.json, payload: encodeHandshake({ codecs: ['json'], compat: {}, node: 'raw', offers: {}, protocol: [1], wants: {} }) });
  await until(() => frames.length > 0, 10_000);
  expect(frames.shift()!.kind).toBe(FrameKind.WELCOME);
  const conn = (await Promise.all(s.accepted)).find((c: Connection) => c.peer.node === 'raw')!;

  raw.pause();
  const blob = new Uint8Array(4096).map((_, i) => i & 0xff);
  const count = 4000; // 16 MiB of answers if they were all held
  let sent = 0;
  const sender = (async () => {
    for (let cid = 1; cid <= count; cid++) {
      if (!send({ correlation: cid, payload: blob })) await new Promise<void>((r) => (drained = r));
      sent = cid;
    }
  })();
  let peakOut = 0;
  let peakBuffers = 0;
  const base = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 60; i++) {
    await sleep(10);
    peakOut = Math.max(peakOut, conn.outboundBytes());
    peakBuffers = Math.max(peakBuffers, process.memoryUsage().arrayBuffers - base);
  }
  expect(await good.call(calc, calc.functions['add']!, [2, 3], { timeoutMs: 2000 })).toBe(5);
  expect(s.serverServices.counters['paused_reads']).toBeGreaterThanOrEqual(1);
  expect(sent).toBeLessThan(count); // the flooder is held too
  // Beyond its fixed ring, the node holds one batch the ring could not take (at most 64 KiB, as a
  // socket's) and max_in_flight + 1 answers.
  expect(peakOut).toBeLessThanOrEqual(64 * 1024 + (maxInFlight + 2) * (18 + blob.length));
  expect(peakBuffers).toBeLessThan(8 * 1024 * 1024);
  console.log(`shm ping flood (${count} × 4 KiB, max_in_flight ${maxInFlight}): the node held at most ${peakOut} B beyond its 256 KiB ring; the flooder sent ${sent} before being held`);

  raw.resume();
  await until(() => frames.length >= count, 30_000);
  await sender;
  expect(frames.map((f) => f.correlation)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
  expect(frames.every((f) => f.kind === FrameKind.PONG && Buffer.from(f.payload).equals(blob))).toBe(true);
}, 60_000);
