// Bad input over real sockets, from a hand-driven peer: every malformed-frame class gets its typed
// ERROR; the connection goes on when framing is intact, closes when it is not; other connections
// keep being served.

import { createConnection, createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../runtime-ts/src/errors.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { Connection } from '../../runtime-ts/src/node/connection.js';
import { StreamChannel } from '../../runtime-ts/src/transport/stream-channel.js';
import { unixPath } from '../../runtime-ts/src/transport/socket.js';
import { CodecId, DEFAULT_LIMITS, FrameDecoder, FrameKind, decodeEnvelope, encodeFrame, encodeHandshake, type Frame } from '../../runtime-ts/src/wire/index.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { connectClient, sleep, startServer, tmpSocket } from './harness.js';

const calc = calcModule();
const enc = new TextEncoder();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A peer driven by hand: writes raw bytes, reads decoded frames. */
class RawPeer {
  private frames: Frame[] = [];
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(readonly socket: Socket) {
    const dec = new FrameDecoder(DEFAULT_LIMITS);
    socket.on('data', (chunk) => {
      for (const f of dec.push(chunk)) if (!(f instanceof Error)) this.frames.push(f);
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('close', () => {
      this.closed = true;
      this.waiters.splice(0).forEach((w) => w());
    });
    socket.on('error', () => undefined);
  }
  static connect(address: string): Promise<RawPeer> {
    return new Promise((resolve) => {
      const s = createConnection({ path: unixPath(address) }, () => resolve(new RawPeer(s)));
    });
  }
  write(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }
  send(f: Partial<Frame>): void {
    this.write(encodeFrame({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new Uint8Array(0), ...f }));
  }
  async next(timeoutMs = 2000): Promise<Frame> {
    const end = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed || Date.now() > end) throw new Error('no frame');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    return this.frames.shift()!;
  }
  async waitClosed(timeoutMs = 2000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < end) await sleep(5);
    return this.closed;
  }
  async hello(wants: Record<string, string> = {}): Promise<Frame> {
    this.send({ kind: FrameKind.HELLO, payload: encodeHandshake({ codecs: ['json'], compat: {}, node: 'raw', offers: {}, protocol: [1], wants }) });
    return this.next();
  }
}

const errorOf = (f: Frame) => ({ kind: f.kind, correlation: f.correlation, ...decodeEnvelope(f.payload, f.codec === CodecId.msgpack ? 'msgpack' : 'json', 64) });

async function server() {
  const s = await startServer({ serverHosts: [{ descriptor: calc, handlers: calcHandlers() }] });
  cleanups.push(() => s.listener.close());
  // A well-behaved second client that must keep being served throughout.
  const good = await connectClient(s.listener.address, { client: { wants: [calc] } });
  cleanups.push(() => good.channel.destroy());
  return { ...s, good };
}

describe('malformed frames on a live connection', () => {
  it('answers each delimited bad frame with its typed ERROR and keeps going', async () => {
    const { listener, good, serverServices } = await server();
    const raw = await RawPeer.connect(listener.address);
    cleanups.push(() => raw.socket.destroy());
    expect((await raw.hello({ 'test.calc': 'sha256:calc-1' })).kind).toBe(FrameKind.WELCOME);

    const cases: Array<[Partial<Frame>, number]> = [
      [{ kind: 20 as never, correlation: 5 }, ErrorCode.PROTOCOL_ERROR],
      [{ correlation: 6, codec: 9 as never, target: 'test.calc.add' }, ErrorCode.PROTOCOL_ERROR],
      [{ correlation: 7, codec: 5 as never, target: 'test.calc.add' }, ErrorCode.PROTOCOL_ERROR],
      [{ correlation: 8, target: 'test.calc.add', payload: enc.encode('{"a":') }, ErrorCode.INVALID_ARGUMENT],
      [{ correlation: 9, target: 'nope.mod.fn', payload: enc.encode('{}') }, ErrorCode.NOT_FOUND],
      [{ correlation: 10, target: 'test.calc.nope', payload: enc.encode('{}') }, ErrorCode.UNIMPLEMENTED],
      [{ correlation: 11, target: 'x'.repeat(2000), payload: enc.encode('{}') }, ErrorCode.RESOURCE_EXHAUSTED],
      [{ correlation: 12, kind: FrameKind.SUBSCRIBE, codec: CodecId.none, target: 'test.calc.nope' }, ErrorCode.NOT_FOUND],
      [{ correlation: 13, codec: CodecId.none, target: 'test.calc.add' }, ErrorCode.PROTOCOL_ERROR],
    ];
    for (const [frame, code] of cases) {
      raw.send(frame);
      const answer = errorOf(await raw.next());
      expect(answer, JSON.stringify({ ...frame, target: frame.target?.slice(0, 20) })).toMatchObject({ kind: FrameKind.ERROR, correlation: frame.correlation, code });
    }
    // A bad target's bytes: not UTF-8.
    const bad = encodeFrame({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 14, timeoutMs: 0, target: 'ab', payload: new Uint8Array(0) });
    bad[18] = 0xff;
    raw.write(bad);
    expect(errorOf(await raw.next())).toMatchObject({ correlation: 14, code: ErrorCode.PROTOCOL_ERROR });
    // A bad ONEWAY is dropped and counted, never answered (correlation 0 would read as connection-level).
    raw.send({ kind: FrameKind.ONEWAY, codec: 9 as never, target: 'test.calc.note' });
    // Answers to nothing are dropped silently (no ERROR could loop).
    raw.send({ kind: FrameKind.RESPONSE, correlation: 999, target: 'test.calc.add' });
    raw.send({ kind: FrameKind.CANCEL, correlation: 998 });
    // Still alive and served.
    raw.send({ kind: FrameKind.REQUEST, correlation: 20, target: 'test.calc.add', payload: enc.encode('{"a":1,"b":2}') });
    const ok = await raw.next();
    expect([ok.kind, ok.correlation, new TextDecoder().decode(ok.payload)]).toEqual([FrameKind.RESPONSE, 20, '3']);
    expect(serverServices.counters['rejected_frames']).toBe(6);
    expect(await good.call(calc, calc.functions['add']!, [1, 1])).toBe(2);
  });

  const fatal: Array<[string, Uint8Array, number]> = [
    ['oversized length', Uint8Array.of(0xff, 0xff, 0xff, 0x7f), ErrorCode.RESOURCE_EXHAUSTED],
    ['zero length', Uint8Array.of(0, 0, 0, 0), ErrorCode.PROTOCOL_ERROR],
    ['short length', Uint8Array.of(5, 0, 0, 0, 1, 2, 3, 4, 5), ErrorCode.PROTOCOL_ERROR],
    ['target past end', Uint8Array.of(16, 0, 0, 0, 3, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0x61, 0x62), ErrorCode.PROTOCOL_ERROR],
  ];
  for (const [name, bytes, code] of fatal) {
    it(`${name}: one connection-level ERROR, that connection closes, others are unaffected`, async () => {
      const { listener, good } = await server();
      const raw = await RawPeer.connect(listener.address);
      cleanups.push(() => raw.socket.destroy());
      await raw.hello();
      raw.write(bytes);
      const answer = errorOf(await raw.next());
      expect(answer).toMatchObject({ kind: FrameKind.ERROR, correlation: 0, code });
      expect(await raw.waitClosed()).toBe(true);
      expect(await good.call(calc, calc.functions['add']!, [2, 2])).toBe(4);
    });
  }

  it('a fatal error before the handshake is reported too', async () => {
    const { listener, good } = await server();
    const raw = await RawPeer.connect(listener.address);
    raw.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
    expect(errorOf(await raw.next())).toMatchObject({ correlation: 0, code: ErrorCode.RESOURCE_EXHAUSTED });
    expect(await raw.waitClosed()).toBe(true);
    expect(await good.call(calc, calc.functions['add']!, [3, 3])).toBe(6);
  });

  it('a stream cut inside a frame is counted; the server keeps serving', async () => {
    const { listener, good, serverServices } = await server();
    const raw = await RawPeer.connect(listener.address);
    await raw.hello();
    raw.write(encodeFrame({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 1, timeoutMs: 0, target: 'test.calc.add', payload: enc.encode('{"a":1,"b":2}') }).subarray(0, 22));
    raw.socket.end();
    await raw.waitClosed();
    await sleep(20);
    expect(serverServices.counters['rejected_frames']).toBe(1);
    expect(await good.call(calc, calc.functions['add']!, [4, 4])).toBe(8);
  });

  it('refuses a HELLO with no common protocol version, and a non-HELLO first frame', async () => {
    const { listener } = await server();
    const raw = await RawPeer.connect(listener.address);
    raw.send({ kind: FrameKind.HELLO, payload: encodeHandshake({ codecs: ['json'], compat: {}, node: 'raw', offers: {}, protocol: [2, 3], wants: {} }) });
    expect(errorOf(await raw.next())).toMatchObject({ kind: FrameKind.ERROR, code: ErrorCode.PROTOCOL_ERROR });
    expect(await raw.waitClosed()).toBe(true);
    const raw2 = await RawPeer.connect(listener.address);
    raw2.send({ kind: FrameKind.PING, correlation: 1 });
    expect(errorOf(await raw2.next())).toMatchObject({ code: ErrorCode.PROTOCOL_ERROR });
    expect(await raw2.waitClosed()).toBe(true);
  });
});

describe('codec byte per frame kind (wire.md §1.2)', () => {
  it('SUBSCRIBE names the EVENT codec, its RESPONSE echoes it, EVENTs use it even when empty; PONG is none', async () => {
    const { listener, serverServices } = await server();
    const raw = await RawPeer.connect(listener.address);
    cleanups.push(() => raw.socket.destroy());
    await raw.hello();
    raw.send({ kind: FrameKind.SUBSCRIBE, codec: CodecId.msgpack, correlation: 1, target: 'test.calc.*' });
    const ack = await raw.next();
    expect([ack.kind, ack.codec, ack.correlation, ack.payload.length]).toEqual([FrameKind.RESPONSE, CodecId.msgpack, 1, 0]);
    serverServices.hub.publish(calc, calc.events['bell']!, undefined);
    serverServices.hub.publish(calc, calc.events['tick']!, 300);
    const bell = await raw.next();
    const tick = await raw.next();
    expect([bell.kind, bell.codec, bell.target, bell.payload.length]).toEqual([FrameKind.EVENT, CodecId.msgpack, 'test.calc.bell', 0]);
    expect([tick.codec, Buffer.from(tick.payload).toString('hex')]).toEqual([CodecId.msgpack, 'cd012c']);
    raw.send({ kind: FrameKind.PING, codec: CodecId.none, correlation: 2, payload: Uint8Array.of(1, 2, 3) });
    const pong = await raw.next();
    expect([pong.kind, pong.codec, pong.correlation, [...pong.payload]]).toEqual([FrameKind.PONG, CodecId.none, 2, [1, 2, 3]]);
  });
});

describe('answers that arrive late', () => {
  it('a RESPONSE after the deadline is dropped and counted', async () => {
    // A hand-driven responder that ignores CANCEL and answers 40 ms after it.
    const address = tmpSocket();
    const srv = createServer((socket) => {
      const peer = new RawPeer(socket);
      void (async () => {
        await peer.next(); // HELLO
        peer.send({ kind: FrameKind.WELCOME, payload: encodeHandshake({ codecs: ['json'], compat: {}, node: 'slowpoke', offers: { 'test.calc': 'sha256:calc-1' }, protocol: 1, wants: {} }) });
        const req = await peer.next();
        const cancel = await peer.next();
        expect(cancel.kind).toBe(FrameKind.CANCEL);
        await sleep(40);
        peer.send({ kind: FrameKind.RESPONSE, correlation: req.correlation, target: req.target, payload: enc.encode('5') });
      })();
    });
    await new Promise<void>((r) => srv.listen(unixPath(address), r));
    cleanups.push(() => srv.close());
    const services = new ServiceTable('client');
    const socket = createConnection({ path: unixPath(address) });
    const conn = await Connection.open(new StreamChannel(address, socket, socket), { role: 'initiator', services, limits: DEFAULT_LIMITS, codecs: ['json'], wants: [calc] });
    cleanups.push(() => conn.channel.destroy());
    const error = (await conn.call(calc, calc.functions['add']!, [2, 3], { timeoutMs: 20 }).catch((e: unknown) => e)) as { code: number };
    expect(error.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await sleep(100);
    expect(services.counters['late_responses']).toBe(1);
    expect(conn.isOpen).toBe(true);
  });
});
