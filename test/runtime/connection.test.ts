import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { calcHandlers, calcModule, NotFound } from './fixtures.js';
import { connectClient, pair, sleep, startServer, type Pair } from './harness.js';

const calc = calcModule();
let current: Pair | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function calcPair(opts: Parameters<typeof pair>[0] = {}) {
  const handlers = calcHandlers();
  current = await pair({ serverHosts: [{ descriptor: calc, handlers }], client: { wants: [calc], ...opts.client }, ...opts });
  return { ...current, handlers };
}

const fn = (name: string) => calc.functions[name]!;
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);

describe('calls', () => {
  for (const codec of ['msgpack', 'json'] as const) {
    it(`round-trips a call in ${codec} and reports the peer's node name`, async () => {
      const { client, handlers } = await calcPair({ client: { codec } });
      expect(client.peer.sendCodec).toBe(codec);
      expect(await client.call(calc, fn('add'), [2, 40])).toBe(42);
      expect(await client.call(calc, fn('echo'), ['héllo'])).toBe('héllo');
      expect(handlers.log.peers).toEqual(['client-node']);
    });
  }

  it('runs many calls concurrently on one connection', async () => {
    const { client } = await calcPair({ transport: 'tcp' });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => client.call(calc, fn('add'), [i, 1])));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
  });

  it('re-raises a declared error as its class, anything else as INTERNAL', async () => {
    const { client } = await calcPair();
    const declared = await client.call(calc, fn('fail'), ['declared']).catch((e: unknown) => e);
    expect(declared).toBeInstanceOf(NotFound);
    expect((declared as NotFound).key).toBe('bob');
    expect((declared as NotFound).code).toBe(ErrorCode.APPLICATION_ERROR);
    expect((declared as NotFound).message).toBe('not found: bob');
    const plain = (await client.call(calc, fn('fail'), ['plain']).catch((e: unknown) => e)) as InteropError;
    expect(plain).toBeInstanceOf(InteropError);
    expect([plain.code, plain.message]).toEqual([ErrorCode.INTERNAL, 'fail: handler failed: boom']);
    expect(await codeOf(client.call(calc, fn('fail'), ['undeclared']))).toBe(ErrorCode.INTERNAL);
    expect(await codeOf(client.call(calc, fn('missing'), []))).toBe(ErrorCode.UNIMPLEMENTED);
  });

  it('delivers one-way calls and answers pings', async () => {
    const { client, handlers } = await calcPair();
    client.oneway(calc, fn('note'), ['a']);
    client.oneway(calc, fn('note'), ['b']);
    expect(await client.ping()).toBeGreaterThanOrEqual(0);
    expect(handlers.log.notes).toEqual(['a', 'b']);
  });

  it('lets the responder call the initiator on the same connection', async () => {
    const clientSide = calcHandlers();
    const { server } = await calcPair({ clientHosts: [{ descriptor: calc, handlers: clientSide }], server: { wants: [calc] } });
    expect(await server.call(calc, fn('add'), [1, 2])).toBe(3);
    expect(clientSide.log.peers).toEqual(['server-node']);
  });
});

describe('deadlines and cancellation', () => {
  it('fails a call with DEADLINE_EXCEEDED, cancels the handler, drops nothing else', async () => {
    const { client, handlers } = await calcPair();
    const started = Date.now();
    expect(await codeOf(client.call(calc, fn('slow'), [5000], { timeoutMs: 60 }))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(1000);
    await sleep(30);
    expect(handlers.log.aborted).toHaveLength(1);
    expect(await client.call(calc, fn('add'), [1, 1])).toBe(2);
  });

  it('a server that receives CANCEL sends nothing more for that id', async () => {
    const { client, clientServices } = await calcPair();
    const p = client.call(calc, fn('slow'), [40], { timeoutMs: 5 });
    expect(await codeOf(p)).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await sleep(80);
    expect(clientServices.counters['late_responses'] ?? 0).toBe(0); // server honoured CANCEL: nothing late
  });

  it('cancels via AbortSignal: caller gets CANCELLED, handler signal aborts', async () => {
    const { client, handlers } = await calcPair();
    const ac = new AbortController();
    const p = client.call(calc, fn('slow'), [5000], { signal: ac.signal });
    await sleep(20);
    ac.abort();
    expect(await codeOf(p)).toBe(ErrorCode.CANCELLED);
    await sleep(30);
    expect(handlers.log.aborted).toEqual(['cancelled by the caller']);
  });
});

describe('max_in_flight', () => {
  it('server answers the excess with RESOURCE_EXHAUSTED', async () => {
    const { client, serverServices } = await calcPair({ serverLimits: { maxInFlight: 2 } });
    const calls = [1, 2, 3].map(() => codeOf(client.call(calc, fn('slow'), [100])));
    expect((await Promise.all(calls)).sort()).toEqual([ErrorCode.RESOURCE_EXHAUSTED, 'resolved', 'resolved'].sort());
    expect(serverServices.counters['rejected_requests']).toBe(1);
  });

  it('client waits for a free slot instead of sending the excess', async () => {
    const { client, handlers } = await calcPair({ serverLimits: { maxInFlight: 2 }, clientLimits: { maxInFlight: 2 } });
    const results = await Promise.all([1, 2, 3, 4, 5].map((i) => client.call(calc, fn('slow'), [20 + i])));
    expect(results).toHaveLength(5);
    expect(handlers.log.started).toBe(5);
  });
});

describe('handshake', () => {
  it('without compatibility tables, fails every call into another version of a module with SCHEMA_MISMATCH', async () => {
    // Hand-made descriptors carry no table (generated ones do: test/evolution/), so nothing of
    // the peer's other version can be judged compatible; the connection itself is accepted.
    const s = await startServer({ serverHosts: [{ descriptor: calc, handlers: calcHandlers() }] });
    const other = calcModule('sha256:calc-2');
    const conn = await connectClient(s.listener.address, { client: { wants: [other] } });
    const error = (await conn.call(other, other.functions['add']!, [1, 2]).catch((e: unknown) => e)) as InteropError;
    expect(error.code).toBe(ErrorCode.SCHEMA_MISMATCH);
    expect(error.message).toMatch(/sha256:calc-2.*sha256:calc-1/);
    expect(await conn.call(calc, fn('add'), [1, 2])).toBe(3);
    conn.channel.destroy();
    await s.listener.close();
  });

  it('refuses a module that is not offered, and a missing token', async () => {
    const s = await startServer({ server: { requiredToken: 's3cret' } });
    expect(await codeOf(connectClient(s.listener.address, { client: { wants: [calc], token: 's3cret' } }))).toBe(ErrorCode.NOT_FOUND);
    expect(await codeOf(connectClient(s.listener.address, {}))).toBe(ErrorCode.UNAUTHENTICATED);
    expect(await codeOf(connectClient(s.listener.address, { client: { token: 'nope' } }))).toBe(ErrorCode.UNAUTHENTICATED);
    const ok = await connectClient(s.listener.address, { client: { token: 's3cret' } });
    expect(ok.peer.node).toBe('server-node');
    ok.channel.destroy();
    await s.listener.close();
  });

  it('times out a silent peer', async () => {
    const s = await startServer({ serverLimits: { handshakeTimeoutMs: 50 } });
    const { unixTransport } = await import('../../runtime-ts/src/transport/socket.js');
    const ch = await unixTransport.connect(s.listener.address);
    let closed = false;
    ch.start({ data: () => undefined, close: () => (closed = true), drain: () => undefined });
    expect(await codeOf(s.accepted[0]!)).toBe(ErrorCode.DEADLINE_EXCEEDED);
    await sleep(20);
    expect(closed).toBe(true);
    await s.listener.close();
  });
});

describe('events', () => {
  it('delivers subscribed events, in order, and stops after unsubscribe', async () => {
    const { client, serverServices } = await calcPair();
    const got: unknown[] = [];
    const sub = await client.subscribe(calc, calc.events['tick']!, (v) => void got.push(v));
    const bells: unknown[] = [];
    await client.subscribe(calc, calc.events['bell']!, (v) => void bells.push(v));
    for (let i = 1; i <= 3; i++) serverServices.hub.publish(calc, calc.events['tick']!, i);
    serverServices.hub.publish(calc, calc.events['bell']!, undefined);
    await client.ping();
    await sleep(10);
    expect(got).toEqual([1, 2, 3]);
    expect(bells).toEqual([undefined]);
    await sub.unsubscribe();
    await client.ping();
    serverServices.hub.publish(calc, calc.events['tick']!, 4);
    await client.ping();
    expect(got).toEqual([1, 2, 3]);
  });

  it('refuses an unknown event with NOT_FOUND', async () => {
    const { client } = await calcPair();
    expect(await codeOf(client.subscribe(calc, { name: 'nope' }, () => undefined))).toBe(ErrorCode.NOT_FOUND);
  });

  it('bounds a slow subscriber queue and counts drops (drop_oldest keeps the newest)', async () => {
    const { client, serverServices, clientServices } = await calcPair({ clientLimits: { maxEventQueue: 3 } });
    const got: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = await client.subscribe(calc, calc.events['tick']!, async (v) => {
      got.push(v);
      await gate;
    });
    for (let i = 1; i <= 10; i++) serverServices.hub.publish(calc, calc.events['tick']!, i);
    await client.ping();
    await sleep(10);
    release();
    await sleep(10);
    // 1 is being handled; of 2..10 the queue keeps the newest 3.
    expect(got).toEqual([1, 8, 9, 10]);
    expect(sub.dropped).toBe(6);
    expect(clientServices.counters['dropped_events']).toBe(6);
  });

  it('drop_newest keeps the oldest', async () => {
    const { client, serverServices } = await calcPair({ clientLimits: { maxEventQueue: 2, eventQueuePolicy: 'drop_newest' } });
    const got: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = await client.subscribe(calc, calc.events['tick']!, async (v) => (got.push(v), gate));
    for (let i = 1; i <= 6; i++) serverServices.hub.publish(calc, calc.events['tick']!, i);
    await client.ping();
    release();
    await sleep(10);
    expect(got).toEqual([1, 2, 3]);
    expect(sub.dropped).toBe(3);
  });
});

describe('event queue policy block', () => {
  it('pauses reading instead of dropping, and delivers everything once the handler catches up', async () => {
    const { client, serverServices } = await calcPair({ clientLimits: { maxEventQueue: 2, eventQueuePolicy: 'block' } });
    const got: unknown[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const sub = await client.subscribe(calc, calc.events['tick']!, async (v) => (got.push(v), gate));
    for (let i = 1; i <= 50; i++) serverServices.hub.publish(calc, calc.events['tick']!, i);
    await sleep(30);
    expect(got).toEqual([1]);
    release();
    await sleep(30);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(sub.dropped).toBe(0);
    expect(await client.call(calc, fn('add'), [1, 2])).toBe(3); // reading resumed
  });
});

describe('closing', () => {
  it('GOODBYE lets outstanding calls finish, then both sides close', async () => {
    const { client, server } = await calcPair();
    const p = client.call(calc, fn('slow'), [50]);
    await sleep(5);
    const closing = client.close('done');
    expect(await codeOf(client.call(calc, fn('add'), [1, 1]))).toBe(ErrorCode.UNAVAILABLE);
    expect(await p).toBe('slept 50');
    await closing;
    await server.closed;
    expect(server.isClosed).toBe(true);
  });

  it('fails pending calls with UNAVAILABLE when the peer goes away', async () => {
    const { client, server } = await calcPair();
    const p = client.call(calc, fn('slow'), [5000]);
    await sleep(10);
    const t = Date.now();
    server.channel.destroy();
    expect(await codeOf(p)).toBe(ErrorCode.UNAVAILABLE);
    expect(Date.now() - t).toBeLessThan(200);
  });
});
