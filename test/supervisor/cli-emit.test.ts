// `interop emit` (docs/cli.md, docs/adr/0026-interop-emit.md): one event sent from the shell
// reaches `interop echo` and a node whose module listens to example.chat's events, as if
// example.chat had published it; what a user mistypes (an unknown module or event, a payload that
// is not JSON or not a value of the event's type) gets one message and exit code 2, and nobody
// subscribing in time exit code 1, never a stack trace.

import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DynamicCodecs, type IrModule } from '../../runtime-ts/src/codec/dynamic.js';
import { main } from '../../runtime-ts/src/cli/main.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { tempDir } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const CHAT = path.join(REPO, 'examples/chat/chat.interop');
const TARGET = 'example.chat.message_posted';
const dir = tempDir('interop-emit-');
const children: ChildProcessWithoutNullStreams[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** A CLI process: its output so far, its exit code, and a wait for a line on stderr. */
function interop(...args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO });
  children.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const saw = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const look = () => out.stderr.includes(text) && resolve();
      child.stderr.on('data', look);
      look();
      void exited.then((code) => reject(new Error(`interop ${args[0]} exited (${code}) before "${text}": ${out.stderr}`)));
    });
  return { out, exited, saw };
}

describe('interop emit sends one event', () => {
  it('interop echo, subscribed at the address emit serves, prints it', async () => {
    const address = `unix:${path.join(dir, 'echo.sock')}`;
    const emit = interop('emit', address, TARGET, '{"id":"7","text":"hi","mood":"HAPPY"}', '--schema', CHAT);
    await emit.saw(`interop emit: serving example.chat at ${address}; waiting for a subscriber to ${TARGET}`);
    const echo = interop('echo', address, TARGET, '--count', '1');
    expect(await echo.exited).toBe(0);
    expect(echo.out.stdout).toBe('{"id":"7","text":"hi","mood":"HAPPY"}\n');
    expect(await emit.exited).toBe(0);
    expect(emit.out.stderr).toContain(`interop emit: sent ${TARGET} to 1 subscriber\n`);
  }, 60_000);

  it('a node linked to example.chat gets it as if example.chat had published it', async () => {
    const address = `unix:${path.join(dir, 'node.sock')}`;
    const emit = interop('emit', address, TARGET, '{"id":"18446744073709551615","text":"from the shell"}', '--schema', CHAT);
    await emit.saw('waiting for a subscriber');
    // The listening module's node, configured to reach example.chat at emit's address.
    const bundle = JSON.parse(execFileSync(process.execPath, [path.join(REPO, 'compiler/bin/interopc.mjs'), 'manifest', CHAT], { encoding: 'utf8' })) as { modules: IrModule[] };
    const chat = new DynamicCodecs(bundle.modules).moduleDescriptor('example.chat');
    const node = await Node.start({ node: 'listener', connect: [{ address, modules: ['example.chat'] }] }, { uses: [chat] });
    try {
      const got = new Promise((resolve) => void node.invoker(chat).subscribe(chat, chat.events['message_posted']!, resolve));
      expect(await got).toEqual({ id: 18446744073709551615n, text: 'from the shell' });
      expect(await emit.exited).toBe(0);
    } finally {
      await node.close();
    }
  }, 60_000);
});

describe('interop emit refuses what it cannot send', () => {
  let stderr = '';
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  });
  afterEach(() => vi.restoreAllMocks());
  const address = () => `unix:${path.join(dir, 'refused.sock')}`;

  it.each([
    [[TARGET.replace('message_posted', 'posted'), '{}'], 'example.chat has no event "posted"; its events: message_posted'],
    [['example.nope.posted', '{}'], 'the schemas do not declare module example.nope; they declare: example.chat'],
    [[TARGET, '{"id":"1","text":"hi","mood":"ANGRY"}'], /^bad payload for the message_posted event: .*ANGRY/],
    [[TARGET, '{"id":"-1","text":"hi"}'], /^bad payload for the message_posted event: .*id/],
    [[TARGET, '{"id":"1","text":5}'], /^bad payload for the message_posted event: .*text/],
    [[TARGET, '{"id":"1",'], /^the payload is not JSON: line 1, column 11: /],
    [[TARGET], 'missing <payload>: the message_posted event carries a value, as JSON'],
    [['nodot', '{}'], '"nodot" is not module.event (e.g. example.chat.message_posted)'],
  ])('%j: what is wrong, exit code 2, nothing served', async (args, message) => {
    const code = await main(['emit', address(), ...args, '--schema', CHAT]);
    expect(code).toBe(2);
    expect(stderr.startsWith('interop emit: ')).toBe(true);
    expect(stderr.endsWith('\n') && stderr.split('\n').length).toBe(2);
    const text = stderr.slice('interop emit: '.length, -1);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it('an address to listen on, and a schema, are required', async () => {
    expect(await main(['emit', 'hub', TARGET, '{}', '--schema', CHAT])).toBe(2);
    expect(stderr).toContain('interop emit: "hub" is not an address to listen on');
    stderr = '';
    expect(await main(['emit', address(), TARGET, '{}'])).toBe(2);
    expect(stderr).toBe('interop emit: missing --schema: the .interop file (or manifest JSON) that declares the event\n');
  });

  it('nobody subscribing within --timeout: exit code 1, nothing sent', async () => {
    const code = await main(['emit', address(), TARGET, '{"id":"1","text":"hi"}', '--schema', CHAT, '--timeout', '300']);
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`interop emit: nobody subscribed to ${TARGET} at unix:.* within 300 ms \\(--timeout\\): nothing was sent\\n$`));
  });
});
