// A client node in TypeScript, for failover.test.ts: its config (INTEROP_NODE_CONFIG) reaches
// test.plugins at three endpoints with the policy SCENARIO names; it runs that scenario and prints
// "RESULT <json>". At "STEP <name>" lines it waits for a line on stdin: the test has acted.
// client.py does the same. PLUGINS_GEN names the folder of the generated test.plugins.ts.
//
// failover: traffic (add is idempotent, slow is not) while the first server is killed; events
//   re-subscribed on the next server; the first server restarted rejoins; all down.
// round_robin: calls spread evenly; traffic while one server is killed; calls go to the others.

import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorCodeName, InteropError } from '../../runtime-ts/src/errors.js';
import type { LinkSubscription } from '../../runtime-ts/src/node/links.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import type { PluginsClient } from './gen-types.js';

const gen = (await import(pathToFileURL(join(process.env.PLUGINS_GEN!, 'test.plugins.ts')).href)) as {
  PluginsModule: never;
  PluginsClient: new (invoker: unknown) => PluginsClient;
};
const node = await Node.start(undefined, { uses: [gen.PluginsModule] });
const plugin = new gen.PluginsClient(node.invoker(gen.PluginsModule));
const stdin = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const outcome = (p: Promise<unknown>) => p.then(() => 'ok', (e: unknown) => (e instanceof InteropError ? errorCodeName(e.code) : String(e)));

async function step(name: string): Promise<void> {
  console.log(`STEP ${name}`);
  await stdin.next();
}

/** Traffic while `kill` runs: 100 idempotent adds and 3 slow calls (not idempotent) in flight. */
async function traffic(kill: () => Promise<void> | void) {
  const adds = Array.from({ length: 100 }, (_, i) => sleep(i * 5).then(() => plugin.add(i, i)));
  const slows = [0, 1, 2].map(() => outcome(plugin.slow(1500)));
  await sleep(100);
  await kill();
  const sums = await Promise.allSettled(adds);
  return { addsOk: sums.every((r, i) => r.status === 'fulfilled' && r.value === 2 * i), slows: (await Promise.all(slows)).sort() };
}

async function failover(): Promise<object> {
  const ticks: number[] = [];
  const sub = (await plugin.onTick((t) => void ticks.push(t.n))) as LinkSubscription;
  const first = await plugin.pid();
  const during = await traffic(() => void process.kill(first, 'SIGKILL'));
  const second = await plugin.pid();
  // The subscription moves to the second server (renewed from 100 ms after the loss).
  for (let i = 0; i < 100 && sub.resubscriptions === 0; i++) await sleep(50);
  await plugin.emit(3);
  for (let i = 0; i < 100 && ticks.length < 3; i++) await sleep(50);
  await step('restart-first');
  let rejoined = false;
  for (let i = 0; i < 150 && !rejoined; i++) {
    const pid = await plugin.pid();
    rejoined = pid !== second && pid !== first;
    if (!rejoined) await sleep(100);
  }
  await step('kill-all');
  const started = performance.now();
  const allDown = await outcome(plugin.add(1, 2));
  const allDownMs = Math.round(performance.now() - started);
  return { ...during, moved: second !== first, ticks, resubscriptions: sub.resubscriptions, rejoined, allDown, allDownMs };
}

async function roundRobin(): Promise<object> {
  const spread = async (n: number) => {
    const by = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const pid = await plugin.pid();
      by.set(pid, (by.get(pid) ?? 0) + 1);
    }
    return [...by.values()].sort();
  };
  const before = await spread(30);
  const victim = await plugin.pid();
  const during = await traffic(() => void process.kill(victim, 'SIGKILL'));
  const after = await spread(20);
  return { before, ...during, after };
}

const result = process.env.SCENARIO === 'round_robin' ? await roundRobin() : await failover();
console.log(`RESULT ${JSON.stringify(result)}`);
await node.close();
process.exit(0);
