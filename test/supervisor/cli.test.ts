// `interop run`, `status` and `inspect` as a user runs them: real processes, real runtime nodes
// (the echo fixture on the runtime's Node), SIGKILL of a node, SIGTERM of the supervisor, and a
// check that nothing is left behind.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive, listDir, tempDir, waitFor } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const ECHO = fileURLToPath(new URL('./fixtures/echo-node.ts', import.meta.url));
const dir = tempDir('interop-cli-');
const runRoot = path.join(dir, 'run');
const env = { ...process.env, INTEROP_RUN_ROOT: runRoot, NO_COLOR: '1' };

function interop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const echoNode = (modules: string[]) => ({ language: 'ts', command: [process.execPath, '--import', 'tsx', ECHO], cwd: REPO, modules });
let supervisor: ChildProcess | undefined;
afterAll(async () => {
  // A test that failed midway leaves the supervisor running: SIGTERM lets it stop its nodes
  // (SIGKILL would leave them running, orphaned); SIGKILL only if it does not end.
  const sup = supervisor;
  if (!sup || sup.exitCode !== null || sup.signalCode !== null) return;
  const exited = new Promise((resolve) => sup.once('exit', resolve));
  sup.kill('SIGTERM');
  const timer = setTimeout(() => sup.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
});

describe('interop CLI', () => {
  it('rejects a bad app config with exit code 2, naming the field', () => {
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ name: 'bad', nodes: { a: { language: 'ts', command: 'node a.js', modules: [] } } }));
    const r = interop('run', file);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nodes.a.command: expected an array, got a string ("node a.js")');
  });

  it('runs an application, shows status, inspects a node, survives a SIGKILL, and stops cleanly on SIGTERM', async () => {
    const file = path.join(dir, 'app.json');
    writeFileSync(file, JSON.stringify({
      name: 'echoes',
      nodes: { front: echoNode([]), back: echoNode(['test.echo']), helper: echoNode([]) },
      links: [
        { from: 'front', to: 'back', transport: 'unix', codec: 'json' },
        { from: 'front', to: 'helper', transport: 'stdio' },
      ],
      supervisor: { restart: { backoff_initial_ms: 100 } },
    }));
    supervisor = spawn(process.execPath, [BIN, 'run', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    supervisor.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    supervisor.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await waitFor('ready', () => out.includes('echoes is ready'), 30_000);
    expect(out).toMatch(/^back +\| echo node back serving unix:/m);

    const status = JSON.parse(interop('status', '--json').stdout)[0];
    expect(status.nodes.map((n: { name: string; state: string }) => `${n.name}:${n.state}`)).toEqual(['front:ready', 'back:ready', 'helper:plugin']);
    const table = interop('status', 'echoes').stdout;
    expect(table).toMatch(/back\s+ts\s+ready\s+\d+\s+0\s+/);
    expect(table).toMatch(/live, from each node's control channel/);

    const inspect = interop('inspect', 'back');
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain('module test.echo version "1.0.0";');
    expect(inspect.stdout).toContain('fn echo(1: text: string) -> string;');

    // A call driven by the manifest alone: by parameter name or position; errors name the problem.
    const call = interop('call', 'back', 'test.echo.echo', '{"text":"hi"}');
    expect([call.code, call.stdout.trim()]).toEqual([0, '"back says hi"']);
    expect(interop('call', 'back', 'test.echo.echo', '["again"]').stdout.trim()).toBe('"back says again"');
    const badArg = interop('call', 'back', 'test.echo.echo', '{"text":5}');
    expect(badArg.code).toBe(2);
    expect(badArg.stderr).toMatch(/bad arguments for echo: echo.text: expected string, got number/);
    const badName = interop('call', 'back', 'test.echo.shout', '{}');
    expect([badName.code, badName.stderr.trim()]).toEqual([2, 'interop call: test.echo has no function "shout"; its functions: echo']);
    expect(interop('call', 'front', 'test.echo.echo', '{}').stderr).toContain('node "front" does not serve test.echo; it serves: no modules');
    const notJson = interop('call', 'back', 'test.echo.echo', '{"text": \'hi\'}');
    expect([notJson.code, notJson.stderr]).toEqual([2, 'interop call: arguments are not JSON: line 1, column 10: expected a value (strings take double quotes)\n']);
    // A control endpoint serves the manifest only: the call says so, and where to call instead.
    const control = status.nodes.find((n: { name: string }) => n.name === 'back').control;
    const atControl = interop('call', control, 'test.echo.echo', '{"text":"hi"}');
    expect(atControl.code).toBe(1);
    expect(atControl.stderr).toContain('NOT_FOUND: module test.echo is not offered on this connection: this is a control endpoint, which serves only interop.control');
    // A stdio plugin has no endpoint: the CLI says what it is and how to reach it.
    for (const command of ['call', 'inspect']) {
      const plugin = interop(command, 'helper', ...(command === 'call' ? ['test.echo.echo'] : []));
      expect(plugin.code).toBe(2);
      expect(plugin.stderr).toContain(`interop ${command}: "helper" is a stdio plugin of node "front": it has no endpoint of its own`);
      expect(plugin.stderr).toContain('"transport": "unix" (or "tcp") instead of "stdio"');
    }

    const back = status.nodes.find((n: { name: string }) => n.name === 'back');
    process.kill(back.pid, 'SIGKILL');
    await waitFor('restart', () => out.includes('back ready') && /back ready \(pid \d+, modules: test.echo, after 1 restart/.test(out), 20_000);
    const after = JSON.parse(interop('status', '--json').stdout)[0];
    expect(after.nodes.find((n: { name: string }) => n.name === 'back')).toMatchObject({ state: 'ready', restarts: 1, lastExit: 'signal SIGKILL' });

    const pids = after.nodes.map((n: { pid: number }) => n.pid);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => supervisor!.once('exit', (_code, signal) => resolve(signal)));
    supervisor.kill('SIGTERM');
    // It cleans up, prints its summary, then ends by the same signal (so a calling script stops too).
    expect(await exited).toBe('SIGTERM');
    expect(out).toMatch(/summary: echoes stopped after .*: SIGTERM received/);
    expect(out).toMatch(/back\s+stopped\s+1\s+/);
    expect(pids.filter(isAlive)).toEqual([]);
    expect(listDir(runRoot)).toEqual([]);
    expect(interop('status').stdout).toContain('no running interop application');
  }, 120_000);
});
