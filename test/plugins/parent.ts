// A parent node in TypeScript, for plugins.test.ts: starts from INTEROP_NODE_CONFIG (whose
// "plugins" entry says how the plugin runs), drives the plugin through the scenario below, and
// prints one line "RESULT <json>" on stdout, where the test also finds what the plugin printed.
// PLUGINS_GEN names the folder of the generated test.plugins.ts.
//
// Scenario (parent.py does the same): 200 calls in flight while the plugin prints 20 × 50 lines;
// 5 events; probe() of PROBE_PATH and PROBE_PORT; then kill -9 of the plugin during a call, which
// must fail with UNAVAILABLE at once, and a call after it, served by a respawned plugin.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorCodeName, InteropError } from '../../runtime-ts/src/errors.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import type { PluginsClient, Tick } from './gen-types.js';

const gen = (await import(pathToFileURL(join(process.env.PLUGINS_GEN!, 'test.plugins.ts')).href)) as {
  PluginsModule: never;
  PluginsClient: new (invoker: unknown) => PluginsClient;
};
const node = await Node.start(undefined, { uses: [gen.PluginsModule], shutdownGraceMs: 1000 });
const plugin = new gen.PluginsClient(node.invoker(gen.PluginsModule));

const sums = Promise.all(Array.from({ length: 200 }, (_, i) => plugin.add(i, i)));
const chatter = Promise.all(Array.from({ length: 20 }, () => plugin.chatter(50)));
const sumsOk = (await sums).every((s, i) => s === 2 * i);
const printed = (await chatter).reduce((a, b) => a + b, 0);

const ticks: number[] = [];
let sawAll = (): void => {};
const allTicks = new Promise<void>((r) => (sawAll = r));
await plugin.onTick((t: Tick) => {
  ticks.push(t.n);
  if (ticks.length === 5) sawAll();
});
await plugin.emit(5);
await Promise.race([allTicks, new Promise((r) => setTimeout(r, 10_000).unref())]);

const probe = await plugin.probe(process.env.PROBE_PATH ?? '/nonexistent/probe', Number(process.env.PROBE_PORT ?? 9));

const pid = await plugin.pid();
const pending = plugin.slow(20_000).then(
  () => 'answered',
  (e: unknown) => (e instanceof InteropError ? errorCodeName(e.code) : String(e)),
);
await new Promise((r) => setTimeout(r, 100));
const killedAt = performance.now();
process.kill(pid, 'SIGKILL');
const killed = await pending;
const killMs = Math.round(performance.now() - killedAt);
const respawned = (await plugin.pid()) !== pid;

console.log(`RESULT ${JSON.stringify({ sumsOk, printed, ticks, probe, killed, killMs, respawned })}`);
await node.close();
