// The HTTP transport without generated code (docs/transports.md, "HTTP"): what curl, fetch or
// another team's service sees. A call is POST /<module>/<function> with a JSON or msgpack body;
// the answer is the result, or the error envelope with a fitting status; one-way calls answer
// 202; events are Server-Sent Events; the manifest and health are well-known GETs.

import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MsgpackReader, MsgpackWriter } from '../../runtime-ts/src/codec/index.js';
import type { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers } from './fixtures.js';
import { sleep } from './harness.js';
import { calc, closeNodes, hostOf, startNode } from './web-fixtures.js';

let node: Node;
let base: string;
let handlers: ReturnType<typeof calcHandlers>;
beforeEach(async () => {
  handlers = calcHandlers();
  node = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: ['http://127.0.0.1:0'] }, handlers);
  base = `http://${hostOf(node.endpoints[0]!)}`;
});
afterEach(closeNodes);

const post = (path: string, body: string | Uint8Array, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { method: 'POST', body, headers });

describe('calls', () => {
  it('JSON in, the result out; the form type curl -d sends is read as JSON', async () => {
    const r = await post('/test.calc/add', '{"a":2,"b":40}', { 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/json');
    expect(await r.text()).toBe('42');
  });

  it('msgpack in, msgpack out, chosen by Content-Type', async () => {
    const w = new MsgpackWriter();
    w.mapHeader(1);
    w.u32(1);
    w.string('über');
    const r = await post('/test.calc/echo', w.finish(), { 'Content-Type': 'application/msgpack' });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/msgpack');
    expect(new MsgpackReader(new Uint8Array(await r.arrayBuffer()), { maxDepth: 64 }).string()).toBe('über');
  });

  it('a declared error is its typed envelope with status 422; other errors map to their status', async () => {
    const declared = await post('/test.calc/fail', '{"mode":"declared"}');
    expect(declared.status).toBe(422);
    expect(await declared.json()).toEqual({ code: 101, message: 'not found: bob', type: 'test.calc.NotFound', detail: { key: 'bob' } });
    const cases: Array<[string, string, number, number]> = [
      ['/test.calc/fail', '{"mode":"plain"}', 500, 13],
      ['/test.calc/add', '{"a":"x","b":1}', 400, 3],
      ['/test.calc/missing', '', 501, 12],
      ['/test.calc/nosuch', '{}', 501, 12],
      ['/test.calc/count', '{"n":1}', 501, 12],
      ['/no.such/fn', '{}', 404, 5],
    ];
    for (const [path, body, status, code] of cases) {
      const r = await post(path, body);
      expect([path, r.status]).toEqual([path, status]);
      expect(((await r.json()) as { code: number }).code).toBe(code);
    }
    expect((await post('/test.calc/add', '{}', { 'Content-Type': 'text/csv' })).status).toBe(415);
  });

  it('a one-way call answers 202 at once', async () => {
    const r = await post('/test.calc/note', '{"text":"hello"}');
    expect(r.status).toBe(202);
    await sleep(50);
    expect(handlers.log.notes).toEqual(['hello']);
  });

  it('Interop-Timeout-Ms is the deadline: 504 DEADLINE_EXCEEDED, and the handler is cancelled', async () => {
    const started = Date.now();
    const r = await post('/test.calc/slow', '{"ms":5000}', { 'Interop-Timeout-Ms': '100' });
    expect(r.status).toBe(504);
    expect(((await r.json()) as { code: number }).code).toBe(4);
    expect(Date.now() - started).toBeLessThan(4000);
    await sleep(20);
    expect(handlers.log.aborted).toHaveLength(1);
    expect((await post('/test.calc/slow', '{"ms":1}', { 'Interop-Timeout-Ms': 'soon' })).status).toBe(400);
  });

  it('a caller that hangs up cancels the handler', async () => {
    const req = request(`${base}/test.calc/slow`, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    req.on('error', () => undefined);
    req.end('{"ms":10000}');
    const end = Date.now() + 5000;
    while (handlers.log.started === 0 && Date.now() < end) await sleep(10);
    req.destroy();
    while (handlers.log.aborted.length === 0 && Date.now() < end) await sleep(10);
    expect(handlers.log.aborted).toEqual(['cancelled by the caller']);
  });
});

describe('well-known requests and events', () => {
  it('GET the manifest and health', async () => {
    const manifest = (await (await fetch(`${base}/.well-known/interop/manifest`)).json()) as { node: string; bundle: { roots: string[] } };
    expect(manifest.node).toBe('calc-node');
    expect(manifest.bundle.roots).toEqual(['test.calc']);
    const health = (await (await fetch(`${base}/.well-known/interop/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  });

  it('GET /<module>/<event> streams the events as Server-Sent Events; /<module>/* every event of the module', async () => {
    const lines: string[] = [];
    const open = (path: string) =>
      new Promise<import('node:http').ClientRequest>((resolve) => {
        const req = request(`${base}${path}`, { headers: { Accept: 'text/event-stream' } }, (res) => {
          expect(res.statusCode).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => lines.push(...chunk.split('\n').filter((l) => l.startsWith('event:') || l.startsWith('data:')).map((l) => `${path} ${l}`)));
          resolve(req);
        });
        req.on('error', () => undefined);
        req.end();
      });
    const one = await open('/test.calc/tick');
    const all = await open('/test.calc/*');
    await sleep(50);
    const pub = node.publisher(calc);
    pub.publish(calc, calc.events['tick']!, 7);
    pub.publish(calc, calc.events['bell']!, undefined);
    await sleep(200);
    expect(lines.sort()).toEqual(
      ['/test.calc/tick event: tick', '/test.calc/tick data: 7', '/test.calc/* event: tick', '/test.calc/* data: 7', '/test.calc/* event: bell', '/test.calc/* data: '].sort(),
    );
    const unknown = await fetch(`${base}/test.calc/nosuch`);
    expect(unknown.status).toBe(404);
    one.destroy();
    all.destroy();
  });

  it('paths that are not interop requests say what is', async () => {
    const r = await fetch(`${base}/index.html`);
    expect(r.status).toBe(404);
    expect(((await r.json()) as { message: string }).message).toMatch(/POST \/<module>\/<function> calls a function/);
    const put = await fetch(`${base}/test.calc/add`, { method: 'PUT', body: '{}' });
    expect([put.status, put.headers.get('allow')]).toEqual([405, 'GET, POST']);
    // HEAD: the same answer's headers, no body (as Python and C: runtime-c/test/test_http.c).
    const head = await fetch(`${base}/test.calc/add`, { method: 'HEAD' });
    expect([head.status, head.headers.get('allow'), (await head.arrayBuffer()).byteLength]).toEqual([405, 'GET, POST', 0]);
  });
});
