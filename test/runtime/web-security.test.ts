// What a web listener refuses (docs/transports.md, "Security"), each with a negative test: hosts
// and origins it does not know, a missing or wrong token, untrusted certificates, bodies and
// messages over max_frame_bytes, clients too slow or too many or idle, text messages, and paths
// that lead out of the static directory. Each refusal is counted where docs/wire.md §7 says.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import { loadNodeConfig, type NodeConfig } from '../../runtime-ts/src/node/config.js';
import type { Node } from '../../runtime-ts/src/node/node.js';
import { encodeFrame, FrameKind } from '../../runtime-ts/src/wire/frame.js';
import { calcHandlers } from './fixtures.js';
import { sleep } from './harness.js';
import { calc, closeNodes, fn, hostOf, selfSigned, startNode, webCalc } from './web-fixtures.js';

afterEach(closeNodes);
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);
const serve = (extra: Partial<NodeConfig> = {}, scheme = 'http') => startNode({ node: 'calc-node', modules: ['test.calc'], listen: [`${scheme}://127.0.0.1:0`], ...extra }, calcHandlers());
const counter = (node: Node, name: string) => node.health().counters[name];

/** One HTTP request with the headers given as is (Host included); status and body. */
function raw(endpoint: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const [host, port] = hostOf(endpoint).split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path, method: body ? 'POST' : 'GET', headers, setHost: false, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(10);
  return check();
}

function tcp(endpoint: string): Promise<Socket> {
  const [host, port] = hostOf(endpoint).split(':');
  return new Promise((resolve, reject) => {
    const s = netConnect(Number(port), host!, () => resolve(s));
    s.on('error', reject);
  });
}
const closedSoon = (s: Socket) => new Promise<void>((resolve) => (s.destroyed ? resolve() : s.once('close', () => resolve())));

describe('config', () => {
  it('the node configs of docs/config.md with web listeners are valid', () => {
    const doc = readFileSync(join(process.cwd(), 'docs/config.md'), 'utf8');
    const examples = [...doc.matchAll(/```json\n(\{ "node"[\s\S]*?)```/g)].map((m) => loadNodeConfig(m[1]!));
    expect(examples.map((c) => c.node)).toEqual(['web-api', 'app']);
    expect(examples[0]!.tls?.cert).toBe('/etc/app/cert.pem');
  });
});

describe('addresses', () => {
  it('a listener without a host binds to loopback', async () => {
    const node = await startNode({ node: 'n', modules: ['test.calc'], listen: ['ws://:0'] }, calcHandlers());
    expect(node.endpoints[0]).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
  });
});

describe('Host and Origin', () => {
  it('a Host that is not the listener\'s nor allowed is refused (421, and the WebSocket upgrade with 403)', async () => {
    const node = await serve();
    const ep = node.endpoints[0]!;
    const r = await raw(ep, '/test.calc/add', { Host: 'rebound.example:80', 'Content-Type': 'application/json' }, '{"a":1,"b":2}');
    expect(r.status).toBe(421);
    expect(JSON.parse(r.body)).toMatchObject({ code: ErrorCode.PERMISSION_DENIED, message: expect.stringContaining('web.allowed_hosts') });
    expect((await raw(ep, '/test.calc/add', { Host: `localhost:${ep.split(':')[2]}` }, '{"a":1,"b":2}')).status).toBe(200);
    const ws = new WebSocket(ep.replace('http', 'ws'), { headers: { Host: 'rebound.example' } });
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!)));
    expect(status).toBe(403);
    const allowed = await serve({ web: { allowed_hosts: ['rebound.example'] } });
    expect((await raw(allowed.endpoints[0]!, '/test.calc/add', { Host: 'rebound.example' }, '{"a":1,"b":2}')).status).toBe(200);
  });

  it('a page of another origin is refused, unless allowed (then with CORS headers)', async () => {
    const node = await serve();
    const ep = node.endpoints[0]!;
    const host = hostOf(ep);
    const foreign = await raw(ep, '/test.calc/add', { Host: host, Origin: 'http://evil.example' }, '{"a":1,"b":2}');
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).message).toContain('web.allowed_origins');
    expect((await raw(ep, '/test.calc/add', { Host: host, Origin: `http://${host}` }, '{"a":1,"b":2}')).status).toBe(200);
    // A WebSocket from another origin fails its connect with PERMISSION_DENIED.
    const wsNode = await serve({}, 'ws');
    const ws = new WebSocket(wsNode.endpoints[0]!, { origin: 'http://evil.example' });
    expect(await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!)))).toBe(403);

    const open = await serve({ web: { allowed_origins: ['http://app.example'] } });
    const ok = await raw(open.endpoints[0]!, '/test.calc/add', { Host: hostOf(open.endpoints[0]!), Origin: 'http://app.example' }, '{"a":1,"b":2}');
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe('http://app.example');
  });
});

describe('token', () => {
  it('over HTTP: Authorization: Bearer, refused with 401 when missing or wrong', async () => {
    const node = await serve({ token: 's3cret' });
    const ep = node.endpoints[0]!;
    const host = hostOf(ep);
    for (const auth of [undefined, 'Bearer wrong']) {
      const r = await raw(ep, '/test.calc/add', { Host: host, ...(auth ? { Authorization: auth } : {}) }, '{"a":1,"b":2}');
      expect(r.status).toBe(401);
      expect(JSON.parse(r.body).code).toBe(ErrorCode.UNAUTHENTICATED);
    }
    expect(counter(node, 'rejected_handshakes')).toBe(2);
    expect((await raw(ep, '/test.calc/add', { Host: host, Authorization: 'Bearer s3cret' }, '{"a":1,"b":2}')).body).toBe('3');
  });

  for (const scheme of ['ws', 'http']) {
    it(`a generated client over ${scheme}:// sends the connect entry's token`, async () => {
      const node = await serve({ token: 's3cret' }, scheme);
      const wrong = await startNode({ node: 'app', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'], token: 'nope' }] });
      expect(await codeOf(wrong.invoker(calc).call(calc, fn('add'), [1, 2]))).toBe(ErrorCode.UNAUTHENTICATED);
      const right = await startNode({ node: 'app2', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'], token: 's3cret' }] });
      expect(await right.invoker(calc).call(calc, fn('add'), [1, 2])).toBe(3);
    });
  }
});

describe('TLS', () => {
  let pair: ReturnType<typeof selfSigned>;
  beforeAll(() => (pair = selfSigned()));
  afterAll(() => pair.remove());

  for (const scheme of ['wss', 'https']) {
    it(`${scheme}:// with the certificate from config; a client trusts it only through "ca"`, async () => {
      const node = await serve({ tls: { cert: pair.cert, key: pair.key } }, scheme);
      expect(node.endpoints[0]).toMatch(new RegExp(`^${scheme}://`));
      const trusting = await startNode({ node: 'app', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'], ca: pair.cert }] });
      expect(await trusting.invoker(calc).call(calc, fn('add'), [2, 3])).toBe(5);
      const wary = await startNode({ node: 'app2', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'] }] });
      const error = await wary.invoker(calc).call(calc, fn('add'), [2, 3]).catch((e: InteropError) => e);
      expect((error as InteropError).code).toBe(ErrorCode.UNAVAILABLE);
      expect((error as InteropError).message).toMatch(/certificate/);
    });
  }

  it('a TLS listener without a certificate in config does not start, and says what to add', async () => {
    await expect(serve({}, 'wss')).rejects.toThrow(/needs a certificate: add "tls"/);
  });
});

describe('limits', () => {
  it('an HTTP body over max_frame_bytes is refused with 413 and counted as a rejected frame', async () => {
    const node = await serve({ limits: { max_frame_bytes: 1024 } });
    const ep = node.endpoints[0]!;
    const r = await raw(ep, '/test.calc/echo', { Host: hostOf(ep), 'Content-Type': 'application/json' }, JSON.stringify({ text: 'x'.repeat(2000) }));
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(counter(node, 'rejected_frames')).toBe(1);
    expect((await raw(ep, '/test.calc/echo', { Host: hostOf(ep) }, JSON.stringify({ text: 'x'.repeat(900) }))).status).toBe(200);
  });

  it("the node's own answers are not held to max_frame_bytes: a manifest larger than it still says which functions are one-way", async () => {
    const big = webCalc();
    (big.ir as { doc?: string }).doc = 'x'.repeat(4000);
    const node = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: ['http://127.0.0.1:0'], limits: { max_frame_bytes: 1024 } }, calcHandlers(), big);
    const ep = node.endpoints[0]!;
    expect((await raw(ep, '/test.calc/note', { Host: hostOf(ep) }, '{"text":"hi"}')).status).toBe(202);
    expect(JSON.parse((await raw(ep, '/.well-known/interop/manifest', { Host: hostOf(ep) })).body).bundle.modules[0].doc).toHaveLength(4000);
  });

  it('a WebSocket message over 4 + max_frame_bytes closes that connection (1009), counted', async () => {
    const node = await serve({ limits: { max_frame_bytes: 1024 } }, 'ws');
    const ws = new WebSocket(node.endpoints[0]!);
    await new Promise((r) => ws.once('open', r));
    ws.send(new Uint8Array(2000));
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    expect(code).toBe(1009);
    expect(await until(() => counter(node, 'rejected_frames') === 1)).toBe(true);
  });

  it('a text message is refused (1003), counted', async () => {
    const node = await serve({}, 'ws');
    const ws = new WebSocket(node.endpoints[0]!);
    await new Promise((r) => ws.once('open', r));
    ws.send('hello');
    expect(await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)))).toBe(1003);
    expect(await until(() => counter(node, 'rejected_frames') === 1)).toBe(true);
  });

  it('a body that trickles past frame_timeout_ms gets 408, counted in frame_timeouts', async () => {
    const node = await serve({ limits: { frame_timeout_ms: 300 } });
    const socket = await tcp(node.endpoints[0]!);
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.write(`POST /test.calc/echo HTTP/1.1\r\nHost: ${hostOf(node.endpoints[0]!)}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"text":"`);
    await closedSoon(socket);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(counter(node, 'frame_timeouts')).toBe(1);
  });

  it('a WebSocket frame that trickles past frame_timeout_ms closes the connection, counted', async () => {
    const node = await serve({ limits: { frame_timeout_ms: 300 } }, 'ws');
    const client = await startNode({ node: 'app', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'] }] });
    expect(await client.invoker(calc).call(calc, fn('add'), [1, 1])).toBe(2);
    // A frame's first half, by hand, on a WebSocket of its own after a real handshake.
    const ws = new WebSocket(node.endpoints[0]!);
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeFrame({ kind: FrameKind.HELLO, codec: 1, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new TextEncoder().encode('{"codecs":["json"],"node":"raw","offers":{},"protocol":[1],"wants":{}}') }));
    await new Promise((r) => ws.once('message', r));
    ws.send(encodeFrame({ kind: FrameKind.PING, codec: 0, flags: 0, correlation: 1, timeoutMs: 0, target: '', payload: new Uint8Array(10) }).subarray(0, 12));
    await new Promise((r) => ws.once('close', r));
    expect(counter(node, 'frame_timeouts')).toBe(1);
  });

  it('a connection that sends no request within handshake_timeout_ms is closed, counted', async () => {
    const node = await serve({ limits: { handshake_timeout_ms: 200 } });
    const socket = await tcp(node.endpoints[0]!);
    await closedSoon(socket);
    expect(counter(node, 'rejected_handshakes')).toBe(1);
  });

  for (const scheme of ['http', 'ws']) {
    it(`past max_connections a new ${scheme} connection gets RESOURCE_EXHAUSTED, the others are served`, async () => {
      const node = await serve({ limits: { max_connections: 2 } }, scheme);
      const held = [await tcp(node.endpoints[0]!), await tcp(node.endpoints[0]!)];
      await sleep(50);
      const client = await startNode({ node: 'app', connect: [{ address: node.endpoints[0]!, modules: ['test.calc'] }] });
      const error = await client.invoker(calc).call(calc, fn('add'), [1, 1]).catch((e: InteropError) => e);
      expect((error as InteropError).code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
      expect((error as InteropError).message).toMatch(/max_connections \(2\)/);
      expect(counter(node, 'rejected_connections')).toBeGreaterThanOrEqual(1);
      held.forEach((s) => s.destroy());
      await sleep(100);
      expect(await client.invoker(calc).call(calc, fn('add'), [1, 1])).toBe(2);
    });
  }

  it('an HTTP connection idle for idle_timeout_ms is closed by the node, counted', async () => {
    const node = await serve({ limits: { idle_timeout_ms: 150 } });
    const socket = await tcp(node.endpoints[0]!);
    socket.on('data', () => undefined);
    socket.write(`POST /test.calc/add HTTP/1.1\r\nHost: ${hostOf(node.endpoints[0]!)}\r\nContent-Length: 13\r\n\r\n{"a":1,"b":2}`);
    await closedSoon(socket);
    expect(counter(node, 'idle_timeouts')).toBe(1);
  });
});

describe('static files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'interop-static-'));
    mkdirSync(join(dir, 'site'));
    writeFileSync(join(dir, 'site', 'index.html'), '<p>hi</p>');
    writeFileSync(join(dir, 'secret.txt'), 'secret');
    symlinkSync(join(dir, 'secret.txt'), join(dir, 'site', 'leak.txt'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves files under web.static, and nothing outside it', async () => {
    const node = await serve({ web: { static: join(dir, 'site') } });
    const ep = node.endpoints[0]!;
    const index = await raw(ep, '/', { Host: hostOf(ep) });
    expect([index.status, index.body, index.headers['content-type']]).toEqual([200, '<p>hi</p>', 'text/html; charset=utf-8']);
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/leak.txt', '/nothing.html']) {
      expect([path, (await raw(ep, path, { Host: hostOf(ep) })).status]).toEqual([path, 404]);
    }
  });
});
