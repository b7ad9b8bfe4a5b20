// Flow control (docs/wire.md §5) over real unix sockets: a peer that does not read cannot grow this
// side's memory without bound, every discarded event is counted and visible in health, nothing
// accepted is lost, and other connections keep being served. The misbehaving peers are raw
// sockets speaking frames by hand, so that "does not read" is exact (socket.pause()).

import { once } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import { fetchHealth } from '../../runtime-ts/src/control/control.js';
import type { ModuleDescriptor } from '../../runtime-ts/src/module.js';
import type { Connection } from '../../runtime-ts/src/node/connection.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { unixPath } from '../../runtime-ts/src/transport/socket.js';
import type { Limits } from '../../runtime-ts/src/wire/limits.js';
import { CodecId, DEFAULT_LIMITS, FrameDecoder, FrameError, FrameKind, encodeFrame, encodeHandshake, type Frame } from '../../runtime-ts/src/wire/index.js';
import { calcHandlers, calcModule, scalarCodec } from './fixtures.js';
import { connectClient, sleep, startServer, tmpSocket } from './harness.js';

/** test.calc plus an event with a ~1 KiB payload, so that a few hundred events fill a socket. */
const calc: ModuleDescriptor = (() => {
  const base = calcModule();
  return { ...base, events: { ...base.events, news: { name: 'news', payload: scalarCodec('string') } } };
})();
const fn = (name: string) => calc.functions[name]!;
const NEWS = 'test.calc.news';
const TEXT = 'x'.repeat(1000);
const KiB = 1024;
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);
const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A peer speaking frames by hand over a socket; it reads only while told to. */
class RawPeer {
  frames: Frame[] = [];
  private readonly decoder = new FrameDecoder(DEFAULT_LIMITS);
  private wake: (() => void) | undefined;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk) => {
      for (const f of this.decoder.push(chunk)) if (!(f instanceof FrameError)) this.frames.push(f);
      this.wake?.();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.wake?.());
  }

  static async dial(address: string, node = 'raw'): Promise<RawPeer> {
    const socket = createConnection({ path: unixPath(address) });
    await once(socket, 'connect');
    const peer = new RawPeer(socket);
    cleanups.push(() => socket.destroy());
    const hello = encodeHandshake({ codecs: ['json'], compat: {}, node, offers: {}, protocol: [1], wants: {} });
    peer.send({ kind: FrameKind.HELLO, codec: CodecId.json, payload: hello });
    const [welcome] = await peer.readUntil((fs) => fs.length >= 1);
    expect(welcome!.kind).toBe(FrameKind.WELCOME);
    peer.frames = [];
    return peer;
  }

  /** Writes one frame; false when the socket's buffer is full (then await drain()). */
  send(f: Partial<Frame>): boolean {
    return this.socket.write(encodeFrame({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new Uint8Array(0), ...f }));
  }

  async drain(): Promise<void> {
    if (this.socket.writableNeedDrain) await once(this.socket, 'drain');
  }

  stopReading(): void {
    this.socket.pause();
  }

  startReading(): void {
    this.socket.resume();
  }

  async readUntil(done: (frames: Frame[]) => boolean, timeoutMs = 20_000): Promise<Frame[]> {
    const end = Date.now() + timeoutMs;
    while (!done(this.frames)) {
      if (Date.now() > end || this.socket.destroyed) throw new Error(`gave up after ${this.frames.length} frames`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 20);
      });
    }
    return this.frames;
  }
}

const utf8 = new TextEncoder();
const json = (v: unknown) => utf8.encode(JSON.stringify(v));
const text = new TextDecoder();

/** The server-side connection of the peer named `node`. */
async function serverConn(accepted: Array<Promise<Connection>>, node = 'raw'): Promise<Connection> {
  for (let i = 0; i < 100; i++) {
    const all = await Promise.all(accepted.map((p) => p.catch(() => undefined)));
    const conn = all.find((c) => c?.peer.node === node);
    if (conn) return conn;
    await sleep(5);
  }
  throw new Error(`no connection from ${node}`);
}

function nodeConn(node: Node, peer = 'raw'): Connection {
  const conns = (node as unknown as { connections: Set<Connection> }).connections;
  const conn = [...conns].find((c) => c.peer.node === peer);
  if (!conn) throw new Error(`no connection from ${peer}`);
  return conn;
}

async function calcServer(limits: Partial<Limits> = {}) {
  const s = await startServer({ serverHosts: [{ descriptor: calc, handlers: calcHandlers() }], serverLimits: limits });
  cleanups.push(() => s.listener.close());
  const good = await connectClient(s.listener.address, { client: { wants: [calc] } });
  cleanups.push(() => good.channel.destroy());
  return { ...s, good, address: s.listener.address };
}

describe('answers to a peer that does not read', () => {
  it('4,000 PINGs of 4 KiB from a peer that never reads: bounded, every PING answered in order once it reads, others served meanwhile', async () => {
    const maxInFlight = 16;
    const s = await calcServer({ maxInFlight });
    const raw = await RawPeer.dial(s.address);
    raw.stopReading();
    const conn = await serverConn(s.accepted);
    const blob = new Uint8Array(4 * KiB).map((_, i) => i & 0xff);
    const count = 4000; // 16 MiB of answers if they were all buffered
    let sent = 0;
    const sender = (async () => {
      for (let cid = 1; cid <= count; cid++) {
        if (!raw.send({ kind: FrameKind.PING, codec: CodecId.none, correlation: cid, payload: blob })) await raw.drain();
        sent = cid;
      }
    })();

    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const base = process.memoryUsage();
    let peakOut = 0;
    let peakIn = 0;
    let peakAnswers = 0;
    let peakRss = 0;
    let peakBuffers = 0;
    for (let i = 0; i < 60; i++) {
      await sleep(10);
      peakOut = Math.max(peakOut, conn.outboundBytes());
      peakIn = Math.max(peakIn, conn.inboundBytes());
      peakAnswers = Math.max(peakAnswers, conn.waiting.answers);
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss - base.rss);
      peakBuffers = Math.max(peakBuffers, m.arrayBuffers - base.arrayBuffers);
    }
    // The node serves everyone else meanwhile.
    expect(await s.good.call(calc, fn('add'), [2, 3], { timeoutMs: 2000 })).toBe(5);
    expect(s.serverServices.counters['paused_reads']).toBeGreaterThanOrEqual(1);
    expect(sent).toBeLessThan(count); // the flooder is held by backpressure
    const frame = 18 + blob.length;
    expect(peakAnswers).toBeLessThanOrEqual(maxInFlight + 1);
    // The socket's buffer (16 KiB high-water mark) plus one batch, plus max_in_flight + 1 answers.
    expect(peakOut).toBeLessThanOrEqual(64 * KiB + (maxInFlight + 2) * frame);
    expect(peakIn).toBeLessThanOrEqual(256 * KiB);
    console.log(
      `ping flood (${count} × ${blob.length} B, max_in_flight ${maxInFlight}): server held for the peer at most ${peakOut} B out, ${peakIn} B in; ` +
        `answers waiting at most ${peakAnswers}; flooder sent ${sent} before being held; process grew rss ${mib(peakRss)}, array buffers ${mib(peakBuffers)}`,
    );
    expect(peakBuffers).toBeLessThan(8 * 1024 * 1024);

    // Once it reads, every PING is answered, in order: nothing it sent was lost.
    raw.startReading();
    const frames = await raw.readUntil((fs) => fs.length >= count, 30_000);
    await sender;
    expect(frames.map((f) => f.correlation)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(frames.every((f) => f.kind === FrameKind.PONG && Buffer.from(f.payload).equals(blob))).toBe(true);
    expect(conn.waiting).toEqual({ answers: 0, oneways: 0, outbox: 0, events: 0 });
  }, 60_000);

  it('a CANCEL withdraws an answer still waiting in the outbox', async () => {
    const s = await calcServer();
    const raw = await RawPeer.dial(s.address);
    raw.stopReading();
    const conn = await serverConn(s.accepted);
    const blob = new Uint8Array(16 * KiB).fill(0x70);
    const count = 100; // 1.6 MiB: more than the sockets take, fewer than max_in_flight answers
    for (let cid = 1; cid <= count; cid++) raw.send({ kind: FrameKind.PING, codec: CodecId.none, correlation: cid, payload: blob });
    await raw.drain();
    let waiting = 0;
    for (let i = 0; i < 200; i++) {
      await sleep(10);
      waiting = conn.waiting.answers;
      if (waiting > 0 && conn.inboundBytes() === 0 && raw.socket.writableLength === 0 && conn.waiting.answers === waiting) break;
    }
    expect(waiting).toBeGreaterThan(0);
    expect(s.serverServices.counters['paused_reads'] ?? 0).toBe(0);
    // The outbox is in order: the waiting answers are the last ones.
    const withdrawn = Array.from({ length: waiting }, (_, i) => count - waiting + 1 + i);
    for (const cid of withdrawn) raw.send({ kind: FrameKind.CANCEL, codec: CodecId.none, correlation: cid });
    for (let i = 0; i < 100 && conn.waiting.answers > 0; i++) await sleep(10);
    expect(conn.waiting.answers).toBe(0);
    expect(s.serverServices.counters['late_cancels'] ?? 0).toBe(0);
    raw.startReading();
    const expected = Array.from({ length: count - waiting }, (_, i) => i + 1);
    const frames = await raw.readUntil((fs) => fs.length >= expected.length);
    await sleep(50);
    expect(frames.map((f) => f.correlation)).toEqual(expected);
    expect(conn.outboundBytes()).toBe(0);
    console.log(`cancel: ${waiting} of ${count} PONGs were waiting and were withdrawn`);
  });
});

/** A server that completes the handshake offering test.calc and then reads nothing more. */
async function deafServer(): Promise<{ address: string; server: Server }> {
  const address = tmpSocket('deaf.sock');
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(DEFAULT_LIMITS);
    const onData = (chunk: Buffer) => {
      if (decoder.push(chunk).length === 0) return;
      socket.off('data', onData);
      socket.pause();
      const welcome = encodeHandshake({ codecs: ['json'], compat: {}, node: 'deaf', offers: { [calc.name]: calc.fingerprint }, protocol: 1, wants: {} });
      socket.write(encodeFrame({ kind: FrameKind.WELCOME, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: welcome }));
    };
    socket.on('data', onData);
  });
  await new Promise<void>((r) => server.listen(unixPath(address), r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { address, server };
}

describe('requests and one-way calls to a peer that does not read', () => {
  it('calls wait for the channel within their deadline instead of buffering; one-way calls are held up to max_in_flight, then refused', async () => {
    const { address } = await deafServer();
    const maxInFlight = 8;
    const client = await connectClient(address, { client: { wants: [calc], codec: 'json' }, clientLimits: { maxInFlight } });
    cleanups.push(() => client.channel.destroy());
    const big = 'y'.repeat(200_000);
    const calls = Array.from({ length: 40 }, () => codeOf(client.call(calc, fn('echo'), [big], { timeoutMs: 400 })));
    let peak = 0;
    for (let i = 0; i < 30; i++) {
      await sleep(10);
      peak = Math.max(peak, client.outboundBytes());
    }
    expect(new Set(await Promise.all(calls))).toEqual(new Set([ErrorCode.DEADLINE_EXCEEDED]));
    const frame = 18 + 'test.calc.echo'.length + big.length + 12;
    // The first call's frame went out before the channel filled; the others waited unwritten:
    // never the 40 × 200 KB the callers asked for.
    expect(peak).toBeLessThanOrEqual(64 * KiB + 2 * frame);
    expect(client.isCongested).toBe(true);
    console.log(`deaf server: client held at most ${peak} B for 40 calls of ${frame} B (max_in_flight ${maxInFlight})`);

    let sent = 0;
    let refused: InteropError | undefined;
    try {
      for (let i = 0; i < 100; i++) {
        client.oneway(calc, fn('note'), ['n'.repeat(1000)]);
        sent++;
      }
    } catch (error) {
      refused = error as InteropError;
    }
    expect(refused?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(sent).toBe(maxInFlight);
    expect(client.waiting.oneways).toBe(maxInFlight);
    // A ping waits for the channel too, and times out like a call.
    expect(await codeOf(client.ping(50))).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });
});

/** A server that completes the handshake and then reads every frame but answers none. */
async function muteServer(): Promise<{ address: string; frames: Frame[] }> {
  const address = tmpSocket('mute.sock');
  const frames: Frame[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const f of decoder.push(chunk)) {
        if (f instanceof FrameError) continue;
        if (f.kind === FrameKind.HELLO) {
          const welcome = encodeHandshake({ codecs: ['json'], compat: {}, node: 'mute', offers: { [calc.name]: calc.fingerprint }, protocol: 1, wants: {} });
          socket.write(encodeFrame({ kind: FrameKind.WELCOME, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: welcome }));
        } else frames.push(f);
      }
    });
  });
  await new Promise<void>((r) => server.listen(unixPath(address), r));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return { address, frames };
}

describe('deadlines of pings and subscriptions', () => {
  it('a PING or SUBSCRIBE that times out sends CANCEL, as a call does, and frees its in-flight slot', async () => {
    const mute = await muteServer();
    const client = await connectClient(mute.address, { client: { wants: [calc], codec: 'json' }, clientLimits: { maxInFlight: 1, defaultDeadlineMs: 80 } });
    cleanups.push(() => client.channel.destroy());
    const cancelled = (kind: FrameKind) => {
      const sent = mute.frames.filter((f) => f.kind === kind);
      return sent.map((f) => mute.frames.some((c) => c.kind === FrameKind.CANCEL && c.correlation === f.correlation));
    };
    expect(await codeOf(client.ping(50))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(await codeOf(client.ping(50))).toBe(ErrorCode.DEADLINE_EXCEEDED); // the slot was freed
    expect(await codeOf(client.subscribe(calc, calc.events['tick']!, () => undefined))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(await codeOf(client.call(calc, fn('add'), [1, 2], { timeoutMs: 50 }))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await sleep(50);
    expect(cancelled(FrameKind.PING)).toEqual([true, true]);
    expect(cancelled(FrameKind.SUBSCRIBE)).toEqual([true]);
    expect(cancelled(FrameKind.REQUEST)).toEqual([true]);
  });
});

/** A test.calc implementation whose slow() counts completions. */
function countingHandlers() {
  const handlers = calcHandlers();
  const done = { slow: 0 };
  const slow = handlers.slow.bind(handlers);
  return Object.assign(handlers, {
    done,
    async slow(ms: number, ctx: Parameters<typeof slow>[1]) {
      const r = await slow(ms, ctx);
      done.slow++;
      return r;
    },
  });
}

async function startNode(name: string, limits: Record<string, unknown>, handlers?: object, connect?: string): Promise<Node> {
  const config = {
    node: name,
    limits,
    ...(handlers ? { modules: [calc.name], listen: [tmpSocket(`${name}.sock`)] } : {}),
    ...(connect ? { connect: [{ address: connect, modules: [calc.name], codec: 'json' as const }] } : {}),
  };
  const node = await Node.start(config, { implementations: handlers ? [[calc, handlers]] : [], uses: [calc], shutdownGraceMs: 100 });
  cleanups.push(() => node.close());
  return node;
}

const newsNumber = (f: Frame) => Number((JSON.parse(text.decode(f.payload)) as string).split(' ')[0]);

describe('events to a subscriber that does not read', () => {
  for (const policy of ['drop_oldest', 'drop_newest', 'block'] as const) {
    it(`${policy}: the publisher's memory stays bounded, drops are counted and in health, requests accepted before are answered`, async () => {
      const queueMax = 64;
      const total = 20_000;
      const handlers = countingHandlers();
      const pub = await startNode('pub', { max_event_queue: queueMax, event_queue_policy: policy }, handlers);
      const address = pub.endpoints[0]!;
      const publisher = pub.publisher(calc);
      const other = await startNode('other', {}, undefined, address);
      const otherCalc = other.invoker(calc);
      const raw = await RawPeer.dial(address);
      raw.send({ kind: FrameKind.SUBSCRIBE, codec: CodecId.json, correlation: 1, target: NEWS });
      const [ack] = await raw.readUntil((fs) => fs.length >= 1);
      expect([ack!.kind, ack!.correlation]).toEqual([FrameKind.RESPONSE, 1]);
      raw.frames = [];
      // Requests accepted before the flood; their handlers finish while the link is congested.
      for (let cid = 2; cid <= 6; cid++) raw.send({ kind: FrameKind.REQUEST, codec: CodecId.json, correlation: cid, target: 'test.calc.slow', payload: json({ ms: 150 }) });
      await raw.drain();
      await sleep(20);
      raw.stopReading();
      const conn = nodeConn(pub);

      let peak = 0;
      let callsOk = 0;
      for (let batch = 0; batch < 100; batch++) {
        for (let n = batch * 200 + 1; n <= batch * 200 + 200; n++) publisher.publish(calc, calc.events['news']!, `${n} ${TEXT}`);
        peak = Math.max(peak, conn.outboundBytes());
        if (batch % 10 === 0) {
          // Another connection is served all along.
          expect(await otherCalc.call(calc, fn('add'), [batch, 1], { timeoutMs: 2000 })).toBe(batch + 1);
          callsOk++;
        }
        await sleep(3);
      }
      for (let i = 0; i < 200 && handlers.done.slow < 5; i++) await sleep(10);
      await sleep(50);
      const frame = 18 + NEWS.length + JSON.stringify(`${total} ${TEXT}`).length;
      // The socket's buffer and one batch, plus at most max_event_queue events: without flow
      // control 20,000 events (about 20 MiB) would be buffered here.
      expect(peak).toBeLessThanOrEqual(64 * KiB + 2 * frame + queueMax * frame);
      expect(callsOk).toBe(10);
      // The slow calls are done but not answered yet: their answers wait, holding their slots.
      expect(handlers.done.slow).toBe(5);
      expect(conn.server.active.size).toBe(5);
      const dropped = pub.services.counters['dropped_events']!;
      expect(dropped).toBeGreaterThan(total / 2);
      expect(Object.fromEntries(conn.outboundDropped)).toEqual({ [NEWS]: dropped });
      const health = await fetchHealth(address);
      expect(health.counters['dropped_events']).toBe(dropped);
      console.log(`event flood (${policy}): publisher held for the peer at most ${peak} B (${total} events of ${frame} B), dropped ${dropped}`);

      // The peer reads again: every accepted request is answered, events arrive in order.
      raw.startReading();
      const frames = await raw.readUntil((fs) => fs.filter((f) => f.kind === FrameKind.RESPONSE).length === 5 && conn.waiting.events === 0 && conn.outboundBytes() === 0);
      await sleep(20);
      const responses = raw.frames.filter((f) => f.kind === FrameKind.RESPONSE);
      expect(responses.map((f) => f.correlation).sort((a, b) => a - b)).toEqual([2, 3, 4, 5, 6]);
      expect(responses.every((f) => text.decode(f.payload) === '"slept 150"')).toBe(true);
      const ticks = frames.filter((f) => f.kind === FrameKind.EVENT).map(newsNumber);
      expect(ticks.every((n, i) => i === 0 || n > ticks[i - 1]!)).toBe(true); // in order, none twice
      expect(ticks.length + dropped).toBe(total); // every event was either delivered or counted
      if (policy === 'drop_oldest') expect(ticks.at(-1)).toBe(total);
      else expect(ticks.at(-1)).toBeLessThan(total); // drop_newest, and block (publish cannot wait)
    }, 60_000);
  }

  it('block at the subscriber stops reading instead of dropping; the publisher\'s bounded queue drops (counted there)', async () => {
    const total = 3000;
    const queueMax = 8;
    const pub = await startNode('pub', { max_event_queue: 32 }, countingHandlers());
    const publisher = pub.publisher(calc);
    const sub = await startNode('sub', { max_event_queue: queueMax, event_queue_policy: 'block' }, undefined, pub.endpoints[0]!);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: number[] = [];
    let inHandler = 0;
    const subscription = await sub.invoker(calc).subscribe(calc, calc.events['news']!, async (v) => {
      inHandler++;
      await gate;
      got.push(Number((v as string).split(' ')[0]));
    });
    for (let batch = 0; batch < 30; batch++) {
      for (let n = batch * 100 + 1; n <= batch * 100 + 100; n++) publisher.publish(calc, calc.events['news']!, `${n} ${TEXT}${TEXT}`);
      await sleep(5);
    }
    await sleep(100);
    expect(inHandler).toBe(1);
    expect(subscription.dropped).toBe(0);
    expect(sub.services.counters['dropped_events'] ?? 0).toBe(0);
    expect(sub.services.counters['paused_reads']).toBeGreaterThanOrEqual(1);
    expect(pub.services.counters['dropped_events']).toBeGreaterThan(0); // the publisher's queue is where drops happen
    release();
    const pubConn = nodeConn(pub, 'sub');
    for (let i = 0; i < 500; i++) {
      if (pubConn.waiting.events === 0 && got.length + pub.services.counters['dropped_events']! >= total) break;
      await sleep(10);
    }
    expect(got.every((n, i) => i === 0 || n > got[i - 1]!)).toBe(true);
    expect(got.length + pub.services.counters['dropped_events']!).toBe(total);
    expect(got[0]).toBe(1); // block at the publisher drops the newest
    console.log(`block at the subscriber: delivered ${got.length}, publisher dropped ${pub.services.counters['dropped_events']}, subscriber paused reading ${sub.services.counters['paused_reads']} times`);
  }, 30_000);

  it('a module-wide subscription gets one bounded queue, in publish order across events', async () => {
    const pub = await startNode('pub', { max_event_queue: 16 }, countingHandlers());
    const publisher = pub.publisher(calc);
    const raw = await RawPeer.dial(pub.endpoints[0]!);
    raw.send({ kind: FrameKind.SUBSCRIBE, codec: CodecId.json, correlation: 1, target: 'test.calc.*' });
    expect((await raw.readUntil((fs) => fs.length >= 1))[0]!.kind).toBe(FrameKind.RESPONSE);
    raw.frames = [];
    raw.stopReading();
    const conn = nodeConn(pub);
    for (let n = 1; n <= 3000; n++) {
      publisher.publish(calc, calc.events['news']!, `${n} ${TEXT}`);
      if (n % 500 === 0) {
        publisher.publish(calc, calc.events['bell']!, undefined);
        await sleep(2);
      }
    }
    publisher.publish(calc, calc.events['bell']!, undefined);
    const dropped = pub.services.counters['dropped_events']!;
    expect(dropped).toBeGreaterThan(0);
    expect(Object.fromEntries(conn.outboundDropped)).toEqual({ 'test.calc.*': dropped });
    expect(conn.waiting.events).toBeLessThanOrEqual(16);
    raw.startReading();
    const frames = await raw.readUntil((fs) => fs.length + dropped === 3007 && conn.waiting.events === 0);
    const news = frames.filter((f) => f.target === NEWS).map(newsNumber);
    expect(news.every((n, i) => i === 0 || n > news[i - 1]!)).toBe(true);
    expect(news.at(-1)).toBe(3000);
    expect(frames.at(-1)!.target).toBe('test.calc.bell');
    expect(frames.at(-1)!.codec).toBe(CodecId.json);
  });
});
