// Connection limits (docs/wire.md §5.1), over real unix sockets: a listener's max_connections,
// idle_timeout_ms, frame_timeout_ms, and a node at its file descriptor limit. In each case the
// node's other connections keep being served. runtime-python/tests/test_connection_limits.py
// checks the same in the Python runtime.

import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { ControlModule, fetchHealth, type Health } from '../../runtime-ts/src/control/control.js';
import { Connection } from '../../runtime-ts/src/node/connection.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { ServiceTable } from '../../runtime-ts/src/node/services.js';
import { unixPath, unixTransport } from '../../runtime-ts/src/transport/socket.js';
import { FrameDecoder } from '../../runtime-ts/src/wire/decoder.js';
import { CodecId, encodeFrame, type Frame, FrameKind } from '../../runtime-ts/src/wire/frame.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { REPO } from '../ts/generated.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { sleep, tmpSocket } from './harness.js';

const calc = calcModule();
const FD_LIMITED_NODE = join(REPO, 'test/runtime/fd-limited-node.mts');
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(limits: Record<string, number>): Promise<Node> {
  const node = await Node.start({ node: 'server', listen: [tmpSocket()], limits }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 100 });
  cleanups.push(() => node.close());
  return node;
}

async function open(address: string): Promise<Connection> {
  const conn = await Connection.open(await unixTransport.connect(address), { role: 'initiator', services: new ServiceTable('client'), limits: DEFAULT_LIMITS, wants: [calc] });
  cleanups.push(() => conn.close('done', 100));
  return conn;
}

/** A call, answered within a bound that holds on a loaded machine. */
const add = (conn: Connection, a: number) => conn.call(calc, calc.functions['add']!, [a, 1], { timeoutMs: 5000 });

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('connection limits', () => {
  it('a listener refuses connections past max_connections, and serves the others', async () => {
    const server = await startServer({ max_connections: 2 });
    const address = server.endpoints[0]!;
    const [first, second] = [await open(address), await open(address)];
    const refused = (await open(address).catch((e: unknown) => e)) as InteropError;
    expect(refused).toBeInstanceOf(InteropError);
    expect([refused.code, refused.message]).toEqual([ErrorCode.RESOURCE_EXHAUSTED, `listener ${address} has max_connections (2) connections open`]);
    expect(server.health().counters['rejected_connections']).toBe(1);
    expect([await add(first, 1), await add(second, 2)]).toEqual([2, 3]);
    // A slot frees when a connection closes.
    await first.close();
    let third: Connection | undefined;
    while (third === undefined) {
      third = await open(address).catch((e: InteropError) => {
        expect(e.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
        return sleep(20).then(() => undefined);
      });
    }
    expect(await add(third, 3)).toBe(4);
    expect(server.manifest().limits.max_connections).toBe(2);
  });

  it('an idle connection is closed with GOODBYE; busy and subscribed ones stay', async () => {
    const server = await startServer({ idle_timeout_ms: 200 });
    const address = server.endpoints[0]!;
    const [idle, subscriber, busy] = [await open(address), await open(address), await open(address)];
    expect(await add(idle, 1)).toBe(2);
    await subscriber.subscribe(calc, calc.events['bell']!, () => undefined);
    let goodbye = '';
    idle.onClose((reason) => (goodbye = reason));
    const start = Date.now();
    while (!idle.isClosed) {
      expect(await add(busy, 5)).toBe(6);
      await sleep(50);
      expect(Date.now() - start).toBeLessThan(10_000);
    }
    expect(goodbye).toBe('peer said goodbye');
    expect(server.health().counters['idle_timeouts']).toBe(1);
    for (let i = 0; i < 10; i++) {
      // five more periods: the others stay open
      expect(await add(busy, 5)).toBe(6);
      await sleep(100);
    }
    expect([busy.isClosed, subscriber.isClosed]).toEqual([false, false]);
    expect(server.health().counters['idle_timeouts']).toBe(1);
  });

  it('a frame that trickles in is cut after frame_timeout_ms; the other connections are served', async () => {
    const server = await startServer({ frame_timeout_ms: 300 });
    const address = server.endpoints[0]!;
    const other = await open(address);
    const socket = connect(unixPath(address));
    cleanups.push(() => socket.destroy());
    const decoder = new FrameDecoder(DEFAULT_LIMITS);
    const frames: Frame[] = [];
    let ended = false;
    socket.on('data', (chunk) => frames.push(...(decoder.push(chunk) as Frame[])));
    socket.on('end', () => (ended = true));
    const hello = new TextEncoder().encode('{"codecs":["json"],"node":"raw","offers":{},"protocol":[1],"wants":{}}');
    socket.write(encodeFrame({ kind: FrameKind.HELLO, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: hello }));
    await eventually('WELCOME', () => frames.length === 1);
    expect(frames.shift()!.kind).toBe(FrameKind.WELCOME);
    // A REQUEST one byte at a time, as slowloris sends; the other connection is served meanwhile.
    const request = encodeFrame({ kind: FrameKind.REQUEST, codec: CodecId.json, flags: 0, correlation: 1, timeoutMs: 0, target: 'test.calc.add', payload: new TextEncoder().encode('{"a":1,"b":2}') });
    const start = Date.now();
    for (const byte of request) {
      if (frames.length > 0) break;
      socket.write(Uint8Array.of(byte));
      expect(await add(other, 7)).toBe(8);
      await sleep(50);
    }
    await eventually('the connection to end', () => ended);
    const elapsed = Date.now() - start;
    expect(frames.map((f) => [f.kind, f.correlation, JSON.parse(new TextDecoder().decode(f.payload))])).toEqual([
      [FrameKind.ERROR, 0, { code: ErrorCode.RESOURCE_EXHAUSTED, message: 'frame not complete within 300 ms (frame_timeout_ms)' }],
    ]);
    expect(elapsed).toBeGreaterThanOrEqual(300);
    const counters = server.health().counters;
    expect([counters['frame_timeouts'], counters['rejected_frames']]).toEqual([1, 0]);
    expect(await add(other, 9)).toBe(10);
  });

  it('a node at its descriptor limit goes on serving its connections and closes the ones it cannot take', async () => {
    const address = tmpSocket('tight.sock');
    const child = spawn('bash', ['-c', 'ulimit -n 64 && exec "$0" --import tsx "$1" "$2"', process.execPath, FD_LIMITED_NODE, address], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    cleanups.push(async () => {
      // Closing its stdin closes the node (and removes its socket file); SIGKILL if it hangs.
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(kill);
    });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const nextLine = async () => (await lines.next()).value as string;
    expect(await nextLine()).toBe('ready');
    const cpuSeconds = async () => {
      child.stdin!.write('\n');
      return Number(await nextLine());
    };

    const existing = await Connection.open(await unixTransport.connect(address), { role: 'initiator', services: new ServiceTable('client'), limits: DEFAULT_LIMITS, codecs: ['json'] });
    cleanups.push(() => existing.close('done', 100));
    // 80 connections that never say HELLO: the node runs out of descriptors after about 35.
    const flood: Array<{ socket: Socket; closed: boolean }> = [];
    for (let i = 0; i < 80; i++) {
      const entry = { socket: connect(unixPath(address)), closed: false };
      entry.socket.on('close', () => (entry.closed = true));
      entry.socket.on('error', () => undefined);
      flood.push(entry);
    }
    cleanups.push(() => flood.forEach((f) => f.socket.destroy()));
    await sleep(500);
    const before = await cpuSeconds();
    const started = Date.now();
    for (let i = 0; i < 10; i++) {
      expect((await fetchHealthOn(existing)).node).toBe('tight');
      await sleep(100);
    }
    const used = (await cpuSeconds()) - before;
    const wall = (Date.now() - started) / 1000;
    expect(used).toBeLessThan(0.3 * wall);
    await eventually('the connections it could not take to be closed', () => flood.filter((f) => f.closed).length >= 20);
    // New connections get through once descriptors are free again.
    flood.forEach((f) => f.socket.destroy());
    let health: Health | undefined;
    while (health === undefined) health = await fetchHealth(address, { timeoutMs: 5000 }).catch(() => sleep(50).then(() => undefined));
    expect(health.node).toBe('tight');
  }, 30_000);
});

function fetchHealthOn(conn: Connection): Promise<Health> {
  return conn.call(ControlModule, ControlModule.functions['health']!, [], { timeoutMs: 5000 }) as Promise<Health>;
}
