// `interop` given what a user mistypes: every command with missing or bad arguments gets one usage
// message and exit code 2, never a stack trace; a missing or malformed app.json is named with the
// file, line and column; help is wrapped at spaces. Most cases call main() in this process (each
// spawn costs a second of CPU); the binary itself is run where its output stream matters.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../runtime-ts/src/cli/main.js';
import { tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const dir = tempDir('interop-cli-usage-');

let stderr = '';
let stdout = '';
beforeEach(() => {
  stderr = stdout = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  // The run dir lookup for node names must not find applications that other tests run.
  process.env['INTEROP_RUN_ROOT'] = path.join(dir, 'run');
});
afterEach(() => {
  vi.restoreAllMocks();
  delete process.env['INTEROP_RUN_ROOT'];
});

async function run(...args: string[]): Promise<{ code: number; stderr: string }> {
  const code = await main(args);
  return { code, stderr };
}

describe('interop usage errors', () => {
  it.each([
    [['run'], 'interop run: missing <config>'],
    [['inspect'], 'interop inspect: missing <endpoint>'],
    [['call'], 'interop call: missing <endpoint> and <target>'],
    [['call', 'unix:/tmp/x.sock'], 'interop call: missing <target>'],
    [['emit'], 'interop emit: missing <address> and <target>'],
    [['fetch'], 'interop fetch: missing <config>'],
    [['publish'], 'interop publish: missing <archives>'],
    [['publish', 'a.tgz'], 'interop publish: Missing required argument: library'],
    [['run', 'a.json', 'b.json'], 'interop run: Unknown argument: b.json'],
    [['status', 'a', 'b'], 'interop status: Unknown argument: b'],
    [['inspect', 'a', 'b'], 'interop inspect: Unknown argument: b'],
    [['call', 'unix:/x', 'a.b', '{}', 'extra'], 'interop call: Unknown argument: extra'],
    [['status', '--bogus'], 'interop status: Unknown argument: bogus'],
    [['bogus'], 'interop: Unknown argument: bogus'],
    [[], 'interop: Give a command: run, status, inspect, call, echo, emit, pack, publish, fetch or host'],
  ])('%j: one usage message, exit code 2', async (args, message) => {
    const r = await run(...args);
    expect(r.code).toBe(2);
    const command = message.slice(0, message.indexOf(':'));
    expect(r.stderr).toBe(`${message}\nRun '${command} --help' for usage.\n`);
    expect(stdout).toBe('');
  });

  it.each([
    [['call', 'unix:/x.sock', 'a.b', '--timeout', 'abc'], 'interop call: --timeout: expected a whole number of milliseconds (at least 1), got NaN'],
    [['call', 'unix:/x.sock', 'a.b', '--timeout', '-5'], 'interop call: --timeout: expected a whole number of milliseconds (at least 1), got -5'],
    [['call', 'unix:/x.sock', 'nodot'], 'interop call: "nodot" is not module.function (e.g. greenhouse.sensors.read)'],
    [['call', 'tcp://nohost', 'a.b'], 'interop call: bad tcp address "tcp://nohost": expected tcp://host:port'],
    [['inspect', 'tcp://nohost'], 'interop inspect: bad tcp address "tcp://nohost": expected tcp://host:port'],
    [['call', 'nosuchnode', 'a.b'], 'interop call: "nosuchnode" is not an address (unix:/path, tcp://host:port, ws://host:port, http://host:port) nor a node of a running application (see `interop status`)'],
    [['inspect', 'nosuchnode'], 'interop inspect: "nosuchnode" is not an address (unix:/path, tcp://host:port, ws://host:port, http://host:port) nor a node of a running application (see `interop status`)'],
  ])('%j: what is wrong, exit code 2', async (args, message) => {
    const r = await run(...args);
    expect([r.code, r.stderr]).toEqual([2, `${message}\n`]);
  });

  it('--codec with an unknown value lists the choices', async () => {
    const r = await run('call', 'unix:/x.sock', 'a.b', '--codec', 'xml');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^interop call: Invalid values:\n {2}Argument: codec, Given: "xml", Choices: "json", "msgpack"\nRun 'interop call --help' for usage.\n$/);
  });

  it('a missing app file is said not to exist', async () => {
    const file = path.join(dir, 'nope.json');
    expect(await run('run', file)).toEqual({ code: 2, stderr: `interop run: ${file}: no such file (looked for ${file})\n` });
  });

  it('a JSON syntax error in app.json is given as file:line:column', async () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{\n  "name": "demo",\n  "nodes": {}\n  "links": []\n}\n');
    expect(await run('run', file)).toEqual({ code: 2, stderr: `interop run: ${file}:4:3: not valid JSON: expected ',' or '}' after a property value\n` });
  });

  it('an endpoint that answers HTTP is named as such', async () => {
    const server = createServer((_req, res) => res.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = `tcp://127.0.0.1:${(server.address() as { port: number }).port}`;
      const r = await run('inspect', address);
      expect([r.code, r.stderr]).toEqual([1, `interop inspect: ${address}: the peer does not speak the interop protocol: it answered like an HTTP server: "HTTP/1.1 400 Bad Request"\n`]);
    } finally {
      server.close();
    }
  });
});

describe('the interop binary', () => {
  const bin = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, INTEROP_RUN_ROOT: path.join(dir, 'run') } });

  it('prints a usage error once, without a stack trace, and exits 2', () => {
    const r = bin('call', 'unix:/tmp/x.sock');
    expect([r.status, r.stderr, r.stdout]).toEqual([2, "interop call: missing <target>\nRun 'interop call --help' for usage.\n", '']);
  });

  it('wraps help at spaces when its output is piped, and shows a data endpoint in the call example', () => {
    const top = bin('--help').stdout;
    expect(top).toContain('Start and supervise interop applications, and talk to their running nodes.');
    for (const line of top.split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    // No word is cut in two: every line break falls where the text had a space.
    const words = (text: string) => text.split(/\s+/).filter((w) => w !== '');
    expect(words(top)).toContain('functions');
    expect(words(top)).toContain('error.');
    const call = bin('call', '--help').stdout;
    expect(call).toContain(`interop call unix:/tmp/chat.sock example.chat.post`);
    expect(call).not.toMatch(/\.ctl/);
    expect(call).toContain('ENDPOINT is a data endpoint');
  }, 60_000);
});
