// examples/chat, the README's chat schema as a runnable folder, and the docs that show it: the
// server and client that docs/ts.md and runtime-python/README.md print are those files, they
// type-check, and they run as documented (alone, with the port the server bound for tcp://…:0,
// in every server × client language pair; and together under `interop run app.json`). The README's
// schema is the example's, in `interopc fmt` form, and the README's walk-through leaves no file
// the repository would track.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatFile } from '../../compiler/src/frontend/format.js';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { tempDir } from '../temp.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CHAT = path.join(REPO, 'examples/chat');
const PYTHON = path.join(REPO, 'runtime-python/.venv/bin/python');
const INTEROP = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const read = (file: string): string => readFileSync(path.join(REPO, file), 'utf8');

type Lang = 'ts' | 'python';
const command = (lang: Lang, program: 'server' | 'client'): string[] =>
  lang === 'ts' ? [process.execPath, '--import', 'tsx', `ts/${program}.ts`] : [PYTHON, `python/${program}.py`];

interface Started {
  output: () => string;
  exited: Promise<number | null>;
  kill: (signal: NodeJS.Signals) => void;
}

const running: Started[] = [];
afterAll(() => running.forEach((p) => p.kill('SIGKILL')));

function start(argv: string[], env: Record<string, string> = {}): Started {
  const child = spawn(argv[0]!, argv.slice(1), { cwd: CHAT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const started = { output: () => output, exited, kill: (signal: NodeJS.Signals) => void child.kill(signal) };
  running.push(started);
  return started;
}

async function waitFor<T>(what: string, check: () => T | undefined, ms = 60_000): Promise<T> {
  for (const until = Date.now() + ms; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
    const value = check();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A server alone, as the docs start it: the address it prints, with the port it was given. */
async function startServer(lang: Lang): Promise<{ server: Started; address: string }> {
  const server = start(command(lang, 'server'));
  const address = await waitFor('the server to listen', () => /chat server listening on (tcp:\/\/127\.0\.0\.1:\d+)\n/.exec(server.output())?.[1]);
  expect(address).not.toBe('tcp://127.0.0.1:0');
  return { server, address };
}

/** What the client printed, checked: three posts answered, the fourth refused, three events. */
function expectClientTranscript(text: string): void {
  const lines = text.trim().split('\n').map((l) => l.replace(/^client +\| /, ''));
  const posts = lines.filter((l) => l.startsWith('post(')).map((l) => /^post\("(.*)"\) -> (#\d|RateLimited)/.exec(l)?.slice(1));
  expect(posts, text).toEqual([['hello :)', '#1'], ['how is everyone?', '#2'], ['off to lunch :(', '#3'], ['one more', 'RateLimited']]);
  const retry = Number(/RateLimited: at most 3 messages in 10 s, retry after (\d+) ms/.exec(text)?.[1]);
  expect(retry > 0 && retry <= 10_000, text).toBe(true);
  const events = lines.filter((l) => l.startsWith('event ')).sort();
  expect(events, text).toEqual(['event message_posted: #1 "hello :)"', 'event message_posted: #2 "how is everyone?"', 'event message_posted: #3 "off to lunch :("']);
}

describe('examples/chat', () => {
  beforeAll(() => {
    for (const [lang, out] of [['ts', 'ts/gen'], ['python', 'python/gen']]) {
      execFileSync(process.execPath, [path.join(REPO, 'compiler/bin/interopc.mjs'), 'gen', '--lang', lang!, '--out', out!, 'chat.interop'], { cwd: CHAT, stdio: 'pipe' });
    }
  });

  it('the README shows its schema, in interopc fmt form', () => {
    const schema = /## What you write\n\n```\n([\s\S]*?)```/.exec(read('README.md'))?.[1];
    expect(schema).toBe(read('examples/chat/chat.interop'));
    const parsed = parseFile(schema!, 'chat.interop');
    expect(parsed.diagnostics).toEqual([]);
    expect(formatFile(parsed.ast)).toBe(schema);
    for (const args of [['check', 'chat.interop'], ['fmt', '--check', 'chat.interop']]) {
      const r = spawnSync(process.execPath, [path.join(REPO, 'compiler/bin/interopc.mjs'), ...args], { cwd: CHAT, encoding: 'utf8' });
      expect(r.status, `interopc ${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    }
  });

  it('docs/ts.md and runtime-python/README.md show the server and client as they are', () => {
    for (const [doc, fence, files] of [
      ['docs/ts.md', 'ts', ['ts/server.ts', 'ts/client.ts']],
      ['runtime-python/README.md', 'python', ['python/server.py', 'python/client.py']],
    ] as const) {
      for (const file of files) expect(read(doc), `${doc} shows ${file}`).toContain(`\`\`\`${fence}\n${read(`examples/chat/${file}`)}\`\`\``);
    }
  });

  it('type-checks: tsc --strict and mypy --strict', () => {
    execFileSync(process.execPath, [path.join(REPO, 'node_modules/typescript/bin/tsc'), '-p', path.join(CHAT, 'tsconfig.json')], { stdio: 'pipe' });
    execFileSync(PYTHON, ['-m', 'mypy', '--strict', '--no-error-summary', 'python/'], { cwd: CHAT, stdio: 'pipe' });
  });

  describe.each([['ts', 'ts'], ['ts', 'python'], ['python', 'python'], ['python', 'ts']] as const)('a %s server and a %s client, started by hand', (serverLang, clientLang) => {
    it('post, a declared error, a one-way call and events, over TCP on the port the server was given', async () => {
      const { server, address } = await startServer(serverLang);
      const client = start([...command(clientLang, 'client'), address]);
      expect(await client.exited, client.output()).toBe(0);
      expectClientTranscript(client.output());
      await waitFor('the one-way typing() on the server', () => (server.output().includes('ada is typing (node chat-client)') ? true : undefined));
      server.kill('SIGINT');
      expect(await server.exited, server.output()).toBe(0);
    });
  });

  it('the README walk-through: interop inspect and interop call reach a server started by hand', async () => {
    const { server, address } = await startServer('ts');
    const inspect = spawnSync(process.execPath, [INTEROP, 'inspect', address], { encoding: 'utf8', timeout: 30_000 });
    expect(inspect.stdout, inspect.stderr).toContain('fn post(1: text: string) -> Message throws RateLimited;');
    const call = spawnSync(process.execPath, [INTEROP, 'call', address, 'example.chat.post', '{"text":"hi :)"}'], { encoding: 'utf8', timeout: 30_000 });
    expect([call.status, JSON.parse(call.stdout)], call.stderr).toEqual([0, { id: '1', text: 'hi :)', mood: 'HAPPY' }]);
    server.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('`interop run app.json` regenerates the code, runs the TS server and the Python client, and ends', async () => {
    // Exactly the README's command (--no-install: never ask the registry, use the clone's bin).
    const run = start(['npx', '--no-install', 'interop', 'run', 'app.json'], { INTEROP_RUN_ROOT: tempDir('chat-run-') });
    expect(await run.exited, run.output()).toBe(0);
    const output = run.output();
    expect(output).toContain('prepare  | interopc gen: ts:');
    expectClientTranscript(output.split('\n').filter((l) => l.startsWith('client ')).join('\n'));
    expect(output).toContain('server   | ada is typing (node client)');
    expect(output).toMatch(/summary: chat stopped after [\d.]+s: main node "client" finished/);
  });

  it('code generated from the clone root into gen/ is ignored by git', () => {
    expect(spawnSync('git', ['check-ignore', '-q', 'gen/example.chat.ts'], { cwd: REPO }).status).toBe(0);
    expect(spawnSync('git', ['check-ignore', '-q', 'examples/chat/ts/gen/example.chat.ts'], { cwd: REPO }).status).toBe(0);
  });
});
