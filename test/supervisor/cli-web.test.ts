// `interop inspect` and `interop call` over WebSocket and HTTP addresses: the same commands, the
// same output, as over unix and tcp (docs/cli.md).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const ECHO = fileURLToPath(new URL('./fixtures/echo-node.ts', import.meta.url));

function interop(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let node: ChildProcess;
let endpoints: string[] = [];
beforeAll(async () => {
  const config = { node: 'web-echo', listen: ['ws://127.0.0.1:0', 'http://127.0.0.1:0'] };
  node = spawn(process.execPath, ['--import', 'tsx', ECHO], { cwd: REPO, env: { ...process.env, INTEROP_NODE_CONFIG: JSON.stringify(config) }, stdio: ['ignore', 'pipe', 'inherit'] });
  endpoints = await new Promise<string[]>((resolve, reject) => {
    let out = '';
    node.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /serving (\S+), (\S+)\n/.exec(out);
      if (m) resolve([m[1]!, m[2]!]);
    });
    node.once('exit', (code) => reject(new Error(`echo node exited with ${code}`)));
  });
});
afterAll(async () => {
  if (node.exitCode !== null) return;
  const exited = new Promise((r) => node.once('exit', r));
  node.kill('SIGTERM');
  await exited;
});

describe.each([0, 1])('interop CLI over a web address', (which) => {
  it(`inspect and call at ${['ws://', 'http://'][which]}`, () => {
    const endpoint = endpoints[which]!;
    const inspect = interop('inspect', endpoint);
    expect(inspect.stderr).toBe('');
    expect(inspect.stdout).toContain('fn echo(1: text: string) -> string;');
    const call = interop('call', endpoint, 'test.echo.echo', '{"text":"hi"}');
    expect([call.code, call.stdout.trim()]).toEqual([0, '"web-echo says hi"']);
    const bad = interop('call', endpoint.replace(/:\d+$/, ':1'), 'test.echo.echo', '{}');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/nothing listens there/);
  });
});
