// The node host: the same Invoker API direct and over a link, moving a module by config only,
// events local and remote, reconnect, config validation, and the control channel.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import { fetchHealth, fetchManifest } from '../../runtime-ts/src/control/control.js';
import { ConfigError, loadNodeConfig, type NodeConfig } from '../../runtime-ts/src/node/config.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers, calcModule, NotFound } from './fixtures.js';
import { sleep, tmpSocket } from './harness.js';

const calc = calcModule();
const fn = (n: string) => calc.functions[n]!;
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
async function start(config: NodeConfig | string | undefined, handlers?: object): Promise<Node> {
  const node = await Node.start(config, { implementations: handlers ? [[calc, handlers]] : [], uses: [calc], shutdownGraceMs: 300 });
  nodes.push(node);
  return node;
}
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);

/** The same client code, whatever the location of test.calc. */
async function exercise(node: Node) {
  const inv = node.invoker(calc);
  expect(await inv.call(calc, fn('add'), [20, 22])).toBe(42);
  const declared = await inv.call(calc, fn('fail'), ['declared']).catch((e: unknown) => e);
  expect(declared).toBeInstanceOf(NotFound);
  expect(await codeOf(inv.call(calc, fn('fail'), ['plain']))).toBe(ErrorCode.INTERNAL);
  expect(await codeOf(inv.call(calc, fn('fail'), ['undeclared']))).toBe(ErrorCode.INTERNAL);
  expect(await codeOf(inv.call(calc, fn('missing'), []))).toBe(ErrorCode.UNIMPLEMENTED);
  expect(await codeOf(inv.call(calc, fn('slow'), [5000], { timeoutMs: 30 }))).toBe(ErrorCode.DEADLINE_EXCEEDED);
  const ac = new AbortController();
  const p = inv.call(calc, fn('slow'), [5000], { signal: ac.signal });
  setTimeout(() => ac.abort(), 10);
  expect(await codeOf(p)).toBe(ErrorCode.CANCELLED);
}

describe('location transparency', () => {
  it('direct: hosted here, same errors, deadline and cancel semantics', async () => {
    const handlers = calcHandlers();
    const node = await start({ node: 'solo', modules: ['test.calc'] }, handlers);
    await exercise(node);
    await sleep(10);
    expect(handlers.log.aborted).toHaveLength(2);
    expect(handlers.log.peers).toEqual(['local']);
  });

  for (const transport of ['unix', 'tcp'] as const) {
    it(`${transport}: moved to another node by config alone`, async () => {
      const handlers = calcHandlers();
      const listen = transport === 'unix' ? tmpSocket() : 'tcp://127.0.0.1:0';
      const server = await start({ node: 'calc-node', modules: ['test.calc'], listen: [listen] }, handlers);
      const client = await start({ node: 'app', connect: [{ address: server.endpoints[0]!, modules: ['test.calc'], codec: 'json' }] });
      await exercise(client);
      await sleep(10);
      expect(handlers.log.aborted).toHaveLength(2);
      expect(handlers.log.peers).toEqual(['app']);
    });
  }

  it('events reach local and remote subscribers; publisher only where hosted', async () => {
    const address = tmpSocket();
    const server = await start({ node: 'calc-node', modules: ['test.calc'], listen: [address] }, calcHandlers());
    const client = await start({ node: 'app', connect: [{ address, modules: ['test.calc'] }] });
    const local: unknown[] = [];
    const remote: unknown[] = [];
    await server.invoker(calc).subscribe(calc, calc.events['tick']!, (v) => void local.push(v));
    const sub = await client.invoker(calc).subscribe(calc, calc.events['tick']!, (v) => void remote.push(v));
    const pub = server.publisher(calc);
    pub.publish(calc, calc.events['tick']!, 1);
    pub.publish(calc, calc.events['tick']!, 2);
    await sleep(30);
    expect(local).toEqual([1, 2]);
    expect(remote).toEqual([1, 2]);
    expect(sub.dropped).toBe(0);
    expect(() => client.publisher(calc)).toThrow(/does not host/);
  });

  it('reconnects after the serving node restarts, and renews subscriptions', async () => {
    const address = tmpSocket();
    const config: NodeConfig = { node: 'calc-node', modules: ['test.calc'], listen: [address] };
    let server = await start(config, calcHandlers());
    const client = await start({ node: 'app', connect: [{ address, modules: ['test.calc'] }] });
    const inv = client.invoker(calc);
    const got: unknown[] = [];
    await inv.subscribe(calc, calc.events['tick']!, (v) => void got.push(v));
    expect(await inv.call(calc, fn('add'), [1, 1])).toBe(2);
    await server.close();
    expect(await codeOf(inv.call(calc, fn('add'), [1, 1]))).toBe(ErrorCode.UNAVAILABLE);
    server = await start(config, calcHandlers());
    expect(await inv.call(calc, fn('add'), [2, 2])).toBe(4);
    await sleep(300); // subscription renewal backs off from 100 ms
    server.publisher(calc).publish(calc, calc.events['tick']!, 7);
    await sleep(30);
    expect(got).toEqual([7]);
  });

  it('a schema mismatch on a link is reported before any call', async () => {
    const address = tmpSocket();
    await start({ node: 'calc-node', modules: ['test.calc'], listen: [address] }, calcHandlers());
    const client = await Node.start({ node: 'app', connect: [{ address, modules: ['test.calc'] }] });
    nodes.push(client);
    const old = calcModule('sha256:calc-0');
    expect(await codeOf(client.invoker(old).call(old, old.functions['add']!, [1, 1]))).toBe(ErrorCode.SCHEMA_MISMATCH);
  });

  it('an incoming token is required when configured', async () => {
    const address = tmpSocket();
    await start({ node: 'calc-node', modules: ['test.calc'], listen: [address], token: 'k' }, calcHandlers());
    const bad = await start({ node: 'bad', connect: [{ address, modules: ['test.calc'] }] });
    expect(await codeOf(bad.invoker(calc).call(calc, fn('add'), [1, 1]))).toBe(ErrorCode.UNAUTHENTICATED);
    const good = await start({ node: 'good', connect: [{ address, modules: ['test.calc'], token: 'k' }] });
    expect(await good.invoker(calc).call(calc, fn('add'), [1, 1])).toBe(2);
  });
});

describe('node config', () => {
  it('reads INTEROP_NODE_CONFIG as inline JSON or a path', async () => {
    process.env['INTEROP_NODE_CONFIG'] = '{"node":"from-env","modules":["test.calc"]}';
    try {
      const node = await start(undefined, calcHandlers());
      expect(node.config.node).toBe('from-env');
    } finally {
      delete process.env['INTEROP_NODE_CONFIG'];
    }
    expect(() => loadNodeConfig()).toThrow(/INTEROP_NODE_CONFIG is not set/);
    expect(() => loadNodeConfig('/nonexistent/node.json')).toThrow(/invalid node config \(\/nonexistent\/node.json\):\n {2}\(top\): no such file$/);
  });

  it('says where a config stops being JSON, as line and column', () => {
    expect(() => loadNodeConfig('{\n  "node": "a",\n  "listen": ["unix:/x"],\n}')).toThrow(
      /inline JSON\):\n {2}\(top\): not JSON: line 4, column 1: a comma before "}" \(JSON allows no trailing comma\)$/,
    );
    expect(() => loadNodeConfig('{"node": \'a\'}')).toThrow(/line 1, column 10: expected a value \(strings take double quotes\)/);
  });

  it('accepts the example in docs/config.md', () => {
    const doc = readFileSync(join(process.cwd(), 'docs/config.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const config = loadNodeConfig(example);
    expect(config.plugins?.[0]?.modules).toEqual(['example.search']);
    expect(loadNodeConfig(JSON.parse(config.plugins![0]!.env!['INTEROP_NODE_CONFIG']!)).stdio).toBe(true);
  });

  it('reports each problem with its field and what was expected', () => {
    const bad = {
      node: 'x',
      listen: ['nowhere'],
      connect: [{ address: 'tcp://127.0.0.1:1', modules: ['a.b'], codec: 'xml' }, { modules: ['a.b'] }],
      limits: { max_inflight: 3 },
      colour: 'blue',
    };
    const error = (() => {
      try {
        loadNodeConfig(bad as never);
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const lines = error.issues.map((i) => `${i.path}: ${i.message}`);
    expect(lines).toEqual(
      expect.arrayContaining([
        'colour: is not a known field',
        'listen[0]: expected an address such as "unix:/path/to.sock" or "tcp://127.0.0.1:7000"',
        'connect[0].codec: expected one of "msgpack", "json", "protobuf", "flatbuffers"',
        'connect[1].address: is required',
        'limits.max_inflight: is not a known field',
      ]),
    );
  });

  it('refuses a module reached two ways, and a hosted module without implementation', async () => {
    expect(() => loadNodeConfig({ node: 'x', modules: ['a.b'], connect: [{ address: 'tcp://h:1', modules: ['a.b'] }] })).toThrow(/connect\[0\]: module a.b is already hosted/);
    await expect(Node.start({ node: 'x', modules: ['test.calc'] })).rejects.toThrow(/no implementation/);
    const node = await start({ node: 'x' });
    expect(() => node.invoker(calc)).toThrow(/neither hosted here nor reached/);
  });
});

describe('control channel', () => {
  it('serves manifest and health on the control endpoint and on data endpoints', async () => {
    const control = tmpSocket('control.sock');
    const server = await start({ node: 'calc-node', modules: ['test.calc'], listen: ['tcp://127.0.0.1:0'], control, limits: { max_in_flight: 8 } }, calcHandlers());
    const manifest = await fetchManifest(control);
    expect(manifest).toMatchObject({ node: 'calc-node', protocol: 1, bundle: { irVersion: 1, roots: ['test.calc'], modules: [{ name: 'test.calc' }] } });
    expect(manifest.limits.max_in_flight).toBe(8);
    expect(manifest.limits.max_frame_bytes).toBe(16777216);
    const health = await fetchHealth(server.endpoints[0]!);
    expect(health).toMatchObject({ node: 'calc-node', status: 'ok', modules: ['test.calc'], counters: { dropped_events: 0, rejected_frames: 0 } });
    expect(health.connections).toBeGreaterThanOrEqual(1);
  });

  it('the control endpoint offers no module: data calls there are NOT_FOUND at handshake', async () => {
    const control = tmpSocket('control.sock');
    await start({ node: 'calc-node', modules: ['test.calc'], control }, calcHandlers());
    const client = await start({ node: 'app', connect: [{ address: control, modules: ['test.calc'] }] });
    expect(await codeOf(client.invoker(calc).call(calc, fn('add'), [1, 1]))).toBe(ErrorCode.NOT_FOUND);
  });
});
