// `interop inspect` and `interop call` from the shell against real nodes, TypeScript and Python,
// that host a module whose functions use types of the modules it imports (transitively):
// fixtures/imports/judge.interop imports readings.interop, which imports units.interop. The
// manifest a node serves must be a complete IR bundle (docs/ir.md): the hosted module plus every
// module it imports, imports first, with `roots` naming the hosted one, so the CLI can encode a
// test.readings.Reading holding a test.units.Temperature.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pythonTarget } from '../../compiler/src/targets/python/index.js';
import { compileBundle, generateTs, writeGenerated } from '../ts/generated.js';
import { tempDir, waitFor } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const PYTHON = path.join(REPO, 'runtime-python/.venv/bin/python');
const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const dir = tempDir('interop-call-imported-');
const nodes: ChildProcess[] = [];

function interop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a node process and waits for its "serving" line; returns its data address. */
async function startNode(name: string, command: string[], env: Record<string, string>): Promise<string> {
  const address = `unix:${path.join(dir, `${name}.sock`)}`;
  const config = { node: name, modules: ['test.judge'], listen: [address] };
  const child = spawn(command[0]!, command.slice(1), { cwd: REPO, env: { ...process.env, ...env, INTEROP_NODE_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'pipe'] });
  nodes.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(`${name} serving (output so far: ${out})`, () => out.includes('serving') || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`${name} exited: ${out}`);
  return address;
}

const endpoints: Record<'ts' | 'python', string> = { ts: '', python: '' };

beforeAll(async () => {
  const bundle = compileBundle([path.join(FIXTURES, 'imports/judge.interop')]);
  const tsDir = writeGenerated('call-imported', await generateTs(bundle));
  const pyPackage = path.join(dir, 'py', 'judge_gen');
  mkdirSync(pyPackage, { recursive: true });
  const sourceNames = Object.fromEntries(bundle.modules.map((m) => [m.name, path.basename(m.file)]));
  for (const f of await pythonTarget.generate(bundle, { sourceNames })) writeFileSync(path.join(pyPackage, f.path), f.content);

  [endpoints.ts, endpoints.python] = await Promise.all([
    startNode('ts-judge', [process.execPath, '--import', 'tsx', path.join(FIXTURES, 'judge-node.ts')], { JUDGE_GEN: tsDir }),
    startNode('py-judge', [PYTHON, path.join(FIXTURES, 'judge_node.py')], { JUDGE_GEN_PY: path.dirname(pyPackage) }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all(
    nodes.map((n) => (n.exitCode === null && n.signalCode === null ? new Promise((r) => (n.once('exit', r), n.kill('SIGTERM'))) : undefined)),
  );
});

const hotReading = { sensor: 'roof', temperature: { value: 95, scale: 'FAHRENHEIT' } };

describe.each(['ts', 'python'] as const)('interop call and inspect on a %s node hosting a module with imported types', (lang) => {
  it('serves a complete bundle: imported modules first, transitively, roots = the hosted module', () => {
    const r = interop('inspect', '--json', endpoints[lang]);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout);
    expect(manifest.bundle.roots).toEqual(['test.judge']);
    expect(manifest.bundle.modules.map((m: { name: string }) => m.name)).toEqual(['test.units', 'test.readings', 'test.judge']);
    expect(manifest.bundle.modules.map((m: { imports: string[] }) => m.imports)).toEqual([[], ['test.units'], ['test.readings']]);
  });

  it('inspect prints the hosted module, then the imported ones marked as not served', () => {
    const r = interop('inspect', endpoints[lang]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('fn judge(1: reading: test.readings.Reading) -> Verdict;');
    expect(r.stdout).toContain('fn hottest(1: readings: list<test.readings.Reading>) -> test.readings.Reading throws test.readings.NoReadings;');
    const served = r.stdout.indexOf('\nmodule test.judge version');
    const readings = r.stdout.search(/\n\/\/ not served by this node: imported by test.judge\n(\/\/\/.*\n)*module test.readings version/);
    const units = r.stdout.search(/\n\/\/ not served by this node: imported by test.readings\n(\/\/\/.*\n)*module test.units version/);
    expect(served).toBeGreaterThan(0);
    expect(readings).toBeGreaterThan(served);
    expect(units).toBeGreaterThan(served);
    expect(r.stdout).toContain('  2: temperature: test.units.Temperature;');
  });

  it('calls functions whose parameters, results and errors are imported types', () => {
    const judge = interop('call', endpoints[lang], 'test.judge.judge', JSON.stringify({ reading: hotReading }));
    expect([judge.code, judge.stderr, judge.stdout.trim()]).toEqual([0, '', '"HOT"']);
    // By position, with a list of imported structs, and an imported struct as the result.
    const cold = { sensor: 'cellar', temperature: { value: 4, scale: 'CELSIUS' } };
    const hottest = interop('call', endpoints[lang], 'test.judge.hottest', JSON.stringify([[cold, hotReading]]));
    expect(hottest.code, hottest.stderr).toBe(0);
    expect(JSON.parse(hottest.stdout)).toEqual({ sensor: 'roof', temperature: { value: 35, scale: 'CELSIUS' } });
    // A declared error of an imported module, printed with its fields.
    const none = interop('call', endpoints[lang], 'test.judge.hottest', '{"readings":[]}');
    expect(none.code).toBe(1);
    expect(none.stderr.trim()).toBe('interop call: test.readings.NoReadings {"asked":0}: no readings given');
  });

  it('checks arguments of imported types against their IR, and does not call modules it only carries', () => {
    const bad = interop('call', endpoints[lang], 'test.judge.judge', JSON.stringify({ reading: { sensor: 'x', temperature: { value: 1, scale: 'KELVIN' } } }));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad arguments for judge: .*temperature\.scale/);
    const notServed = interop('call', endpoints[lang], 'test.readings.anything', '{}');
    expect(notServed.code).toBe(2);
    expect(notServed.stderr.trim()).toBe(
      `interop call: node "${lang === 'ts' ? 'ts-judge' : 'py-judge'}" does not serve test.readings (its IR is in the manifest only because a served module imports it); it serves: test.judge`,
    );
  });
});
