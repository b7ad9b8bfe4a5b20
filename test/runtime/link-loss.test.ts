// What a subscription over a link loses when its connection is lost (docs/config.md "Several
// endpoints", Events): the events still queued for its handler are discarded, and counted as
// dropped, on the subscription and in health. (runtime-python/tests/test_reconnect.py: the same.)

import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { LinkSubscription } from '../../runtime-ts/src/node/links.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { tempDir } from '../temp.js';
import { calcHandlers, calcModule } from './fixtures.js';

const calc = calcModule();
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

it('events queued for a handler when the connection is lost count as dropped', async () => {
  const address = `unix:${join(tempDir('loss-'), 's.sock')}`;
  const server = await Node.start({ node: 'server', modules: ['test.calc'], listen: [address] }, { implementations: [[calc, calcHandlers()]], shutdownGraceMs: 200 });
  const client = await Node.start({ node: 'client', connect: [{ address, modules: ['test.calc'] }] }, { uses: [calc] });
  nodes.push(client, server);
  const seen: unknown[] = [];
  let release = (): void => {};
  const sub = (await client.invoker(calc).subscribe(calc, calc.events['tick']!, (n) => {
    seen.push(n);
    return new Promise<void>((r) => (release = r)); // stuck on its first event
  })) as LinkSubscription;
  for (let n = 1; n <= 5; n++) server.publisher(calc).publish(calc, calc.events['tick']!, n);
  for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(10);
  await sleep(100); // events 2 to 5 arrive and wait behind the stuck handler
  expect(sub.dropped).toBe(0);
  await server.close();
  for (let i = 0; i < 200 && sub.dropped === 0; i++) await sleep(10);
  expect(sub.dropped).toBe(4);
  expect(client.health().counters['dropped_events']).toBe(4);
  release();
});
