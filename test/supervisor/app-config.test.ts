// Loading app.json: defaults are filled in, and every kind of mistake is reported with the field's
// path and what was expected.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppConfigError, loadAppConfig, parseAppConfig } from '../../runtime-ts/src/supervisor/app-config.js';
import { makeRunPlan, startOrder } from '../../runtime-ts/src/supervisor/run-plan.js';
import { renderNodeConfig } from '../../runtime-ts/src/supervisor/node-config.js';
import { checkNodeConfig } from '../../runtime-ts/src/node/config.js';

const node = (modules: string[], extra: Record<string, unknown> = {}) => ({ language: 'ts', command: ['node', 'n.js'], modules, ...extra });

function issuesOf(raw: unknown): string[] {
  try {
    parseAppConfig(raw, '/apps/demo/app.json');
  } catch (err) {
    expect(err).toBeInstanceOf(AppConfigError);
    return (err as AppConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('app config', () => {
  it('fills in defaults and resolves paths against the config file', () => {
    const app = parseAppConfig({
      name: 'demo',
      nodes: { a: node(['demo.a'], { cwd: 'sub' }), p: node(['demo.p']) },
      links: [{ from: 'a', to: 'p', transport: 'stdio' }],
    }, '/apps/demo/app.json');
    expect(app.dir).toBe('/apps/demo');
    expect(app.nodes[0]).toMatchObject({ name: 'a', cwd: '/apps/demo/sub', main: false, restart: { maxRestarts: 5, backoffInitialMs: 250 } });
    expect(app.nodes[1]!.pluginOf).toBe('a');
    expect(app.links[0]!.codec).toBe('msgpack');
  });

  it.each([
    [{ nodes: { a: node([]) } }, ': missing required field "name"'],
    [{ name: 'demo', nodes: { a: { language: 'ts', modules: [] } } }, 'nodes.a: missing required field "command"'],
    [{ name: 'demo', nodes: { a: node([], { command: 'node n.js' }) } }, 'nodes.a.command: expected an array, got a string ("node n.js")'],
    [{ name: 'demo', nodes: { a: node([], { language: 'rust' }) } }, 'nodes.a.language: expected one of "ts", "python", "c", "native", "cpp", "d", "haskell", got "rust"'],
    [{ name: 'demo', nodes: { a: node([], { comand: [] }) } }, 'nodes.a.comand: unknown field "comand" (allowed: language, command, cwd, env, modules, main, restart, limits, listen, web)'],
    [{ name: 'demo', nodes: { '1a': node([]) } }, 'nodes.1a: expected a node name (a letter, then up to 31 letters, digits, "_" or "-") as the name, got "1a"'],
    [{ name: 'demo', nodes: {} }, 'nodes: expected at least 1 entry, got none'],
    [{ name: 'demo', nodes: { a: node(['Demo-x']) } }, 'nodes.a.modules[0]: expected a qualified module name such as "demo.sensors", got "Demo-x"'],
    [{ name: 'demo', nodes: { a: node([]) }, links: [{ from: 'a', to: 'b', transport: 'udp' }] }, 'links[0].transport: expected one of "unix", "shm", "tcp", "ws", "http", "stdio", got "udp"'],
    [{ name: 'demo', nodes: { a: node([]), b: node([]) }, links: [{ from: 'a', to: 'b', transport: 'tcp', address: 'localhost' }] }, 'links[0].address: expected an address "unix:/path/to.sock", "tcp://host:port", "ws://host:port" or "http://host:port", got "localhost"'],
    [{ name: 'demo', nodes: { a: node([], { listen: ['web:8080'] }) } }, 'nodes.a.listen[0]: expected an address "unix:/path/to.sock", "tcp://host:port", "ws://host:port", "http://host:port" (or wss://, https://), got "web:8080"'],
  ])('rejects a schema violation %#', (raw, expected) => {
    expect(issuesOf(raw)).toContain(expected);
  });

  it.each([
    [{ name: 'demo', nodes: { a: node(['m.x']), b: node(['m.x']) } }, 'nodes.b.modules[0]: module "m.x" is already hosted by node "a"; a module has exactly one host'],
    [{ name: 'demo', nodes: { a: node([]) }, links: [{ from: 'a', to: 'zz', transport: 'unix' }] }, 'links[0].to: expected the name of a node (one of "a"), got "zz"'],
    [{ name: 'demo', nodes: { a: node([]) }, links: [{ from: 'a', to: 'a', transport: 'unix' }] }, 'links[0]: a link joins two different nodes; "a" links to itself (modules in one node call each other directly)'],
    [{ name: 'demo', nodes: { a: node([]), b: node([]), c: node([]) }, links: [{ from: 'a', to: 'c', transport: 'stdio' }, { from: 'b', to: 'c', transport: 'unix' }] }, 'links[0]: node "c" is a stdio plugin of "a", so no other link may lead to it'],
    [{ name: 'demo', nodes: { a: node([]), b: node([]) }, links: [{ from: 'a', to: 'b', transport: 'stdio', address: 'unix:/x' }] }, 'links[0].address: a stdio link has no address: the plugin is spawned with its node\'s "command"'],
    [{ name: 'demo', nodes: { a: node([]), b: node([]) }, links: [{ from: 'a', to: 'b', transport: 'unix', address: 'tcp://h:1' }] }, 'links[0].address: expected a unix address (unix:/path/to.sock), got "tcp://h:1"'],
    [{ name: 'demo', nodes: { a: node([]), b: node([]) }, links: [{ from: 'a', to: 'b', transport: 'shm', address: 'unix:/x.sock' }] }, 'links[0].address: expected a shm address (shm:/path/to/setup.sock), got "unix:/x.sock"'],
  ])('rejects a structural mistake %#', (raw, expected) => {
    expect(issuesOf(raw)).toContain(expected);
  });

  it('names the file and explains bad JSON', () => {
    const out = path.join(import.meta.dirname, 'out');
    mkdirSync(out, { recursive: true });
    const file = path.join(out, 'bad-app.json');
    writeFileSync(file, '{\n  "name": "demo",\n}');
    expect(() => loadAppConfig(file)).toThrow(/bad-app.json:3:1: not valid JSON: a comma before "}" \(JSON allows no trailing comma\)$/);
    expect(() => loadAppConfig(path.join(out, 'missing.json'))).toThrow(/missing.json: no such file \(looked for \/.*\/missing.json\)$/);
  });

  it('starts callees before callers, and plugins with their parent', async () => {
    const app = parseAppConfig({
      name: 'demo',
      nodes: { ui: node(['d.ui']), api: node(['d.api']), db: node(['d.db']), plug: node(['d.plug']), cache: node(['d.cache']) },
      links: [
        { from: 'ui', to: 'api', transport: 'tcp', codec: 'json' },
        { from: 'api', to: 'db', transport: 'unix' },
        { from: 'api', to: 'plug', transport: 'stdio' },
        { from: 'api', to: 'cache', transport: 'shm' },
      ],
    }, '/apps/demo/app.json');
    expect(startOrder(app)).toEqual([['db', 'cache'], ['api'], ['ui']]);
    const plan = await makeRunPlan(app, (name) => `/run/${name}`);
    expect(plan.nodes.get('db')!.listen).toEqual(['unix:/run/db.sock']);
    expect(plan.nodes.get('cache')!.listen).toEqual(['unix:/run/cache.sock', 'shm:/run/cache.shm.sock']);
    expect(plan.nodes.get('api')!.listen).toEqual(['unix:/run/api.sock', expect.stringMatching(/^tcp:\/\/127\.0\.0\.1:\d+$/)]);
    expect(plan.nodes.get('api')!.plugins).toEqual([
      { node: 'plug', command: ['node', 'n.js'], cwd: '/apps/demo', env: { INTEROP_NODE_CONFIG: '/run/plug.node.json' }, codec: 'msgpack', modules: ['d.plug'] },
    ]);
    expect(plan.nodes.get('plug')).toMatchObject({ servesStdio: true, listen: [] });
    expect(plan.nodes.get('plug')!.control).toBeUndefined();
  });

  it('derives node configs that the node host accepts (docs/config.schema.json)', async () => {
    const app = parseAppConfig({
      name: 'demo',
      nodes: { ui: node(['d.ui'], { limits: { max_in_flight: 8 } }), api: node(['d.api', 'd.more']), plug: node(['d.plug']) },
      links: [
        { from: 'ui', to: 'api', transport: 'tcp', codec: 'json', member_codecs: { 'd.more.get': 'protobuf' } },
        { from: 'api', to: 'plug', transport: 'stdio', member_codecs: { 'd.plug.ticked': 'json' } },
      ],
    }, '/apps/demo/app.json');
    const plan = await makeRunPlan(app, (name) => `/run/${name}`);
    expect(renderNodeConfig(plan.nodes.get('ui')!)['connect']).toEqual([expect.objectContaining({ codec: 'json', member_codecs: { 'd.more.get': 'protobuf' } })]);
    expect(renderNodeConfig(plan.nodes.get('api')!)['plugins']).toEqual([expect.objectContaining({ member_codecs: { 'd.plug.ticked': 'json' } })]);
    expect(() => parseAppConfig({ name: 'demo', nodes: { ui: node(['d.ui']), api: node(['d.api']) }, links: [{ from: 'ui', to: 'api', transport: 'tcp', member_codecs: { 'd.ui.get': 'json' } }] }, '/apps/demo/app.json'))
      .toThrow('links[0].member_codecs["d.ui.get"]: "d.ui.get" is not a member of a module node "api" hosts');
    for (const [name, nodePlan] of plan.nodes) {
      expect(() => checkNodeConfig(renderNodeConfig(nodePlan), name)).not.toThrow();
    }
    expect(renderNodeConfig(plan.nodes.get('plug')!)).toEqual({ node: 'plug', modules: ['d.plug'], stdio: true, listen: [], connect: [], plugins: [] });
    expect(renderNodeConfig(plan.nodes.get('ui')!)).toMatchObject({ control: 'unix:/run/ui.control.sock', limits: { max_in_flight: 8 } });
  });

  it('accepts the example in docs/config.md and both configs of examples/greenhouse', () => {
    const doc = readFileSync(path.join(import.meta.dirname, '../../docs/config.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## Application config'));
    const example = /```json\n([\s\S]*?)```/.exec(section)![1]!;
    expect(parseAppConfig(JSON.parse(example), '/apps/greenhouse/app.json').nodes.map((n) => n.name)).toEqual(['hub', 'sensors', 'advisor']);
    for (const file of ['app.json', 'app-moved.json']) {
      expect(() => loadAppConfig(path.join(import.meta.dirname, '../../examples/greenhouse', file))).not.toThrow();
    }
  });
});
