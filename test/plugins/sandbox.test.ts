// A plugin in a sandbox (docs/transports.md "Plugins in a sandbox or a container"): the plugin's
// command is bubblewrap running the plugin with no network and a read-only filesystem. Calls,
// events, kill -9 during a call and the respawn behave as for a plain plugin (fds.test.ts), over
// stdin/stdout and over given descriptors, and the plugin can neither write a file nor reach a
// port that a plain plugin can. Where bubblewrap cannot make its namespaces (some containers
// forbid user namespaces), the test prints why and is skipped.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';
import { chatterLines, generate, type Generated, type Lang, programOf, runParent } from './harness.js';

/** The sandbox: the whole filesystem read-only, its own empty network, killed with its parent. */
const BWRAP = ['bwrap', '--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--unshare-net', '--die-with-parent', '--new-session', '--'];

function whyNoSandbox(): string | undefined {
  const r = spawnSync(BWRAP[0]!, [...BWRAP.slice(1), 'true'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `bubblewrap cannot run: ${r.error.message} (scripts/ensure-deps.sh installs the Debian package "bubblewrap")`;
  if (r.status !== 0) return `bubblewrap cannot create its namespaces here: ${r.stderr.trim() || `exit ${r.status}`}`;
  return undefined;
}
const noSandbox = whyNoSandbox();
if (noSandbox) console.warn(`sandbox.test.ts: SKIPPED: ${noSandbox}`);

let gen: Generated;
let listener: Server;
let port = 0;
beforeAll(async () => {
  gen = await generate();
  listener = createServer((s) => s.destroy());
  await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
  port = (listener.address() as { port: number }).port;
}, 120_000);
afterAll(() => new Promise<void>((r) => listener.close(() => r())));

const cases: Array<[Lang, 'stdio' | 'fds']> = [['ts', 'stdio'], ['python', 'stdio'], ['ts', 'fds'], ['python', 'fds']];

describe.skipIf(noSandbox !== undefined)('plugin in a bubblewrap sandbox', () => {
  it.each(cases)('%s plugin over %s: calls, events, kill -9 and respawn as for a plain plugin; no writes, no network', async (plugin, channel) => {
    const probePath = join(tempDir('sbx-'), 'probe.txt');
    const parent: Lang = plugin === 'ts' ? 'python' : 'ts';
    const run = await runParent(gen, { parent, command: [...BWRAP, ...programOf(plugin, 'plugin')], channel, env: { PROBE_PATH: probePath, PROBE_PORT: String(port) } });
    const r = run.result;
    expect(r.sumsOk).toBe(true);
    expect(r.printed).toBe(1000);
    expect(r.ticks).toEqual([1, 2, 3, 4, 5]);
    expect(r.killed).toBe('UNAVAILABLE');
    expect(r.killMs).toBeLessThan(2000);
    expect(r.respawned).toBe(true);
    // The same probe answers "write=ok connect=ok" from a plain plugin (fds.test.ts).
    expect(r.probe).toMatch(/^write=EROFS connect=(ECONNREFUSED|ENETUNREACH)$/);
    expect(existsSync(probePath)).toBe(false);
    expect(chatterLines(channel === 'fds' ? run.stdout : run.stderr, plugin)).toBe(1000);
  }, 120_000);
});
