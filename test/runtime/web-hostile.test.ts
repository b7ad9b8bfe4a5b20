// Hostile clients of a web listener (docs/transports.md, "Security"): headers that trickle in
// (slowloris) on a new connection and on a kept-alive one, headers too large, WebSocket upgrades
// that are not WebSocket version 13. Each gets a typed answer or the connection closed, counted
// where docs/wire.md §7 says, within a bound that holds on a loaded machine; and a well-behaved
// client is served meanwhile. runtime-python/tests/test_web_hostile.py makes the same checks.

import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeConfig } from '../../runtime-ts/src/node/config.js';
import type { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers } from './fixtures.js';
import { sleep } from './harness.js';
import { closeNodes, hostOf, startNode } from './web-fixtures.js';

afterEach(closeNodes);
const serve = (limits: NodeConfig['limits'] = {}) => startNode({ node: 'calc-node', modules: ['test.calc'], listen: ['http://127.0.0.1:0'], limits }, calcHandlers());
const counter = (node: Node, name: string) => node.health().counters[name];

/** A raw TCP connection to a web endpoint, with everything it received so far and whether it closed. */
async function tcp(endpoint: string): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const [host, port] = hostOf(endpoint).split(':');
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = netConnect(Number(port), host!, () => resolve(s));
    s.on('error', reject);
  });
  socket.on('error', () => undefined);
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  const opened = Date.now();
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  return { socket, received: () => text, closed };
}

/** Writes `text` one line every `everyMs` until the socket closes (or `maxMs` pass). */
async function trickle(socket: Socket, everyMs: number, maxMs: number): Promise<void> {
  for (let i = 0, end = Date.now() + maxMs; !socket.destroyed && Date.now() < end; i++) {
    socket.write(`X-Slow-${i}: ${'a'.repeat(8)}\r\n`);
    await sleep(everyMs);
  }
}

/** A well-behaved call, over its own connection: the listener still serves. */
async function served(node: Node): Promise<number> {
  const r = await fetch(`http://${hostOf(node.endpoints[0]!)}/test.calc/add`, { method: 'POST', body: '{"a":1,"b":2}' });
  expect(await r.text()).toBe('3');
  return r.status;
}

const request = (host: string) => `POST /test.calc/add HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 13\r\n\r\n{"a":1,"b":2}`;

describe('slow clients (slowloris)', () => {
  it('headers that trickle in past handshake_timeout_ms on a new connection: closed, counted', async () => {
    const node = await serve({ handshake_timeout_ms: 300 });
    const { socket, closed } = await tcp(node.endpoints[0]!);
    socket.write(`POST /test.calc/add HTTP/1.1\r\nHost: ${hostOf(node.endpoints[0]!)}\r\n`);
    void trickle(socket, 50, 20_000);
    expect(await served(node)).toBe(200);
    // 300 ms, plus slack for a loaded machine; without the bound, a line every 50 ms keeps it open.
    expect(await closed).toBeLessThan(5000);
    expect(counter(node, 'rejected_handshakes')).toBe(1);
  });

  it('headers of a later request that trickle in past frame_timeout_ms: 408 and closed, counted', async () => {
    const node = await serve({ frame_timeout_ms: 300 });
    const host = hostOf(node.endpoints[0]!);
    const { socket, received, closed } = await tcp(node.endpoints[0]!);
    socket.write(request(host));
    for (let end = Date.now() + 5000; !received().includes('\r\n\r\n3') && Date.now() < end; ) await sleep(10);
    expect(received()).toMatch(/^HTTP\/1\.1 200/);
    const started = Date.now();
    socket.write(`POST /test.calc/add HTTP/1.1\r\nHost: ${host}\r\n`);
    void trickle(socket, 50, 20_000);
    expect(await served(node)).toBe(200);
    await closed;
    expect(Date.now() - started).toBeLessThan(5000);
    const answer = received().slice(received().lastIndexOf('HTTP/1.1 '));
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(JSON.parse(answer.split('\r\n\r\n')[1]!)).toEqual({ code: 8, message: 'headers not complete within 300 ms (frame_timeout_ms)' });
    expect(counter(node, 'frame_timeouts')).toBe(1);
  });
});

describe('malformed requests', () => {
  it('headers over 16 KiB: 431 with a PROTOCOL_ERROR envelope, and closed', async () => {
    const node = await serve();
    const { socket, received, closed } = await tcp(node.endpoints[0]!);
    socket.write(`GET /.well-known/interop/health HTTP/1.1\r\nHost: ${hostOf(node.endpoints[0]!)}\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`);
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 431/);
    expect(JSON.parse(received().split('\r\n\r\n')[1]!)).toMatchObject({ code: 102, message: expect.stringContaining('bad HTTP request') });
    expect(await served(node)).toBe(200);
  });

  const upgrade = (host: string, extra: string) => `GET / HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n${extra}\r\n`;
  const badUpgrades: Array<[string, string]> = [
    ['no Sec-WebSocket-Key', 'Sec-WebSocket-Version: 13\r\n'],
    ['a key that is not 16 bytes in base64', 'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n'],
    ['another version', 'Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'],
  ];
  for (const [what, extra] of badUpgrades) {
    it(`a WebSocket upgrade with ${what}: 400 with a PROTOCOL_ERROR envelope, closed, counted`, async () => {
      const node = await serve();
      const { socket, received, closed } = await tcp(node.endpoints[0]!);
      socket.write(upgrade(hostOf(node.endpoints[0]!), extra));
      await closed;
      expect(received()).toMatch(/^HTTP\/1\.1 400/);
      expect(JSON.parse(received().split('\r\n\r\n')[1]!)).toEqual({ code: 102, message: 'not a WebSocket version 13 upgrade' });
      expect(counter(node, 'rejected_handshakes')).toBe(1);
      expect(await served(node)).toBe(200);
    });
  }
});
