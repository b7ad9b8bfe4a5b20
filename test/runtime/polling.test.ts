// Events by polling (docs/ts.md "Events: handlers or polling"): PolledSubscription.next(timeout)
// and `for await`, in process (direct) and over a unix socket, with the queue limits, policies
// and drop counters of a handler's subscription. (runtime-python/tests/test_polling.py: the same.)

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import type { Subscription } from '../../runtime-ts/src/module.js';
import { Node } from '../../runtime-ts/src/node/node.js';
import { PolledSubscription } from '../../runtime-ts/src/node/polling.js';
import type { EventQueuePolicy } from '../../runtime-ts/src/wire/limits.js';
import { tempDir } from '../temp.js';
import { calcHandlers, calcModule } from './fixtures.js';

const calc = calcModule();
const tick = calc.events['tick']!;
const nodes: Node[] = [];
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.close()));
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A server hosting test.calc and a subscriber: the same node (direct) or another over unix. */
async function setup(where: 'direct' | 'unix', policy: EventQueuePolicy, maxEventQueue = 4) {
  const limits = { max_event_queue: maxEventQueue, event_queue_policy: policy };
  const address = `unix:${join(tempDir('poll-'), 's.sock')}`;
  const server = await Node.start({ node: 'server', modules: ['test.calc'], ...(where === 'unix' ? { listen: [address] } : {}), limits }, { implementations: [[calc, calcHandlers()]] });
  nodes.push(server);
  const client = where === 'direct' ? server : await Node.start({ node: 'client', connect: [{ address, modules: ['test.calc'] }], limits }, { uses: [calc] });
  if (client !== server) nodes.push(client);
  const publish = (n: number) => server.publisher(calc).publish(calc, tick, n);
  const subscribe = (handler: (n: number) => void | Promise<void>) => client.invoker(calc).subscribe(calc, tick, handler as (p: unknown) => void);
  return { publish, subscribe };
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10);
  if (!done()) throw new Error(`timed out waiting for ${what}`);
}

const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);

describe.each(['direct', 'unix'] as const)('polling events (%s)', (where) => {
  it('next() returns events in order, waits for one, and times out with DEADLINE_EXCEEDED', async () => {
    const { publish, subscribe } = await setup(where, 'drop_oldest');
    const polled = await PolledSubscription.open<number>(subscribe);
    expect(await codeOf(polled.next(0))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    const t = performance.now();
    expect(await codeOf(polled.next(100))).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(performance.now() - t).toBeGreaterThanOrEqual(95);
    const waiting = polled.next(10_000);
    publish(1);
    publish(2);
    expect(await waiting).toBe(1);
    expect(await polled.next(10_000)).toBe(2);
    await polled.unsubscribe();
    expect(await codeOf(polled.next(1000))).toBe(ErrorCode.CANCELLED);
  });

  it('for await takes every event; leaving the loop keeps the subscription; unsubscribe ends a loop', async () => {
    const { publish, subscribe } = await setup(where, 'drop_oldest', 64);
    const polled = await PolledSubscription.open<number>(subscribe);
    for (let n = 1; n <= 5; n++) publish(n);
    const seen: number[] = [];
    for await (const n of polled) {
      seen.push(n);
      if (n === 3) break;
    }
    expect(await polled.next(10_000)).toBe(4);
    const rest: number[] = [];
    const loop = (async () => {
      for await (const n of polled) rest.push(n);
    })();
    await until(() => rest.length === 1, 'event 5');
    await polled.unsubscribe();
    await loop;
    expect([...seen, ...rest]).toEqual([1, 2, 3, 5]);
  });

  it.each(['drop_oldest', 'drop_newest'] as const)('%s: the same queue and drop count as a handler that does not keep up', async (policy) => {
    const { publish, subscribe } = await setup(where, policy, 4);
    const polled = await PolledSubscription.open<number>(subscribe);
    // A handler stuck on its first event, beside it: the reference for the queue's behaviour.
    let release: (() => void) | undefined;
    const stuck: Subscription = await subscribe(() => new Promise<void>((r) => (release = r)));
    publish(1);
    // Event 1 reached both queues, whose handlers run at once: held by the stuck one, offered by the poller.
    await until(() => release !== undefined, 'event 1');
    for (let n = 2; n <= 20; n++) publish(n);
    // One event in hand, max_event_queue (4) waiting, the 15 others dropped by the policy.
    await until(() => polled.dropped === 15 && stuck.dropped === 15, '15 drops on each');
    const got: number[] = [];
    for (;;) {
      const n = await polled.next(where === 'direct' ? 0 : 300).catch(() => undefined);
      if (n === undefined) break;
      got.push(n);
    }
    expect(got).toEqual(policy === 'drop_oldest' ? [1, 17, 18, 19, 20] : [1, 2, 3, 4, 5]);
    expect(polled.dropped).toBe(stuck.dropped);
    release!();
  });
});
