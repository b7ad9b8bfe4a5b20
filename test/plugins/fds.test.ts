// Plugins on given file descriptors (docs/transports.md "Plugins"): with "channel": "fds" the
// parent and the plugin exchange frames on two dedicated pipes, so the plugin prints freely on its
// stdout while serving calls; without it they use the plugin's stdin/stdout, and the runtime sends
// the plugin's prints to stderr. Every parent × plugin language pair, in real processes: calls
// many in flight, events, kill -9 during a call (UNAVAILABLE at once), respawn.

import { createServer, type Server } from 'node:net';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pluginFds } from '../../runtime-ts/src/transport/stdio.js';
import { tempDir } from '../temp.js';
import { chatterLines, generate, type Generated, type Lang, type ParentRun, programOf, runParent } from './harness.js';

let gen: Generated;
let listener: Server;
let port = 0;
beforeAll(async () => {
  gen = await generate();
  // probe() connects here: a plain plugin may, a sandboxed one (sandbox.test.ts) may not.
  listener = createServer((s) => s.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
}, 120_000);
afterAll(() => new Promise<void>((r) => listener.close(() => r())));

/** What every run must show, whatever the channel. */
function expectServed(run: ParentRun): void {
  const r = run.result;
  expect(r.sumsOk).toBe(true);
  expect(r.printed).toBe(1000);
  expect(r.ticks).toEqual([1, 2, 3, 4, 5]);
  expect(r.killed).toBe('UNAVAILABLE');
  // At once, from the pipe's EOF, not by the call's 20 s: room for a loaded machine.
  expect(r.killMs).toBeLessThan(2000);
  expect(r.respawned).toBe(true);
}

const pairs: Array<[Lang, Lang]> = [['ts', 'ts'], ['ts', 'python'], ['python', 'ts'], ['python', 'python']];

describe('plugin on given descriptors (channel "fds")', () => {
  it.each(pairs)('%s parent, %s plugin: the plugin prints on stdout while serving', async (parent, plugin) => {
    const dir = tempDir('plg-');
    const probePath = join(dir, 'probe.txt');
    const run = await runParent(gen, { parent, command: programOf(plugin, 'plugin'), channel: 'fds', env: { PROBE_PATH: probePath, PROBE_PORT: String(port) } });
    expectServed(run);
    // Every line printed reached the parent's stdout, none was taken for a frame.
    expect(chatterLines(run.stdout, plugin)).toBe(1000);
    expect(run.stdout).toContain(`${plugin} plugin serving`);
    expect(run.result.probe).toBe('write=ok connect=ok');
    expect(existsSync(probePath)).toBe(true);
  }, 120_000);
});

describe('plugin without INTEROP_PLUGIN_FDS (channel "stdio")', () => {
  it.each(pairs)('%s parent, %s plugin: frames on stdin/stdout, prints go to stderr', async (parent, plugin) => {
    const run = await runParent(gen, { parent, command: programOf(plugin, 'plugin'), env: { INTEROP_PLUGIN_FDS: '3,4', PROBE_PORT: String(port) } });
    expectServed(run);
    // The parent's own INTEROP_PLUGIN_FDS (set above) is not passed on to a stdio plugin.
    expect(chatterLines(run.stdout, plugin)).toBe(0);
    expect(chatterLines(run.stderr, plugin)).toBe(1000);
  }, 120_000);
});

describe('INTEROP_PLUGIN_FDS', () => {
  it('names two descriptors, or is absent; anything else is an error naming the variable', () => {
    expect(pluginFds('3,4')).toEqual([3, 4]);
    expect(pluginFds(' 7 , 9 ')).toEqual([7, 9]);
    expect(pluginFds(undefined)).toBeUndefined();
    expect(pluginFds('')).toBeUndefined();
    for (const bad of ['3', '3,3', '1,4', 'a,b', '3,4,5', '-3,4']) expect(() => pluginFds(bad)).toThrow(/INTEROP_PLUGIN_FDS=.*"READ,WRITE" such as "3,4"/);
  });
});
