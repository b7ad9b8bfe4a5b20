// WebSocket and HTTP as transports of generated clients (docs/transports.md, "WebSocket and
// HTTP"): the same client code over ws:// and http:// as over unix:// and direct, with the same
// errors, deadlines, cancellation, one-way calls and events.

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import type { Node } from '../../runtime-ts/src/node/node.js';
import { calcHandlers, NotFound } from './fixtures.js';
import { sleep } from './harness.js';
import { calc, closeNodes, fn, startNode } from './web-fixtures.js';

afterEach(closeNodes);
const codeOf = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => e.code);

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(5);
}

/** The same calls the node tests make over unix and tcp. */
async function exercise(client: Node): Promise<void> {
  const inv = client.invoker(calc);
  expect(await inv.call(calc, fn('add'), [20, 22])).toBe(42);
  expect(await inv.call(calc, fn('echo'), ['hé ✓'])).toBe('hé ✓');
  expect(await inv.call(calc, fn('fail'), ['declared']).catch((e: unknown) => e)).toBeInstanceOf(NotFound);
  expect(await codeOf(inv.call(calc, fn('fail'), ['plain']))).toBe(ErrorCode.INTERNAL);
  expect(await codeOf(inv.call(calc, fn('missing'), []))).toBe(ErrorCode.UNIMPLEMENTED);
  expect(await codeOf(inv.call(calc, fn('slow'), [5000], { timeoutMs: 50 }))).toBe(ErrorCode.DEADLINE_EXCEEDED);
  const ac = new AbortController();
  const p = inv.call(calc, fn('slow'), [5000], { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  expect(await codeOf(p)).toBe(ErrorCode.CANCELLED);
}

describe.each(['ws', 'http'] as const)('%s transport', (scheme) => {
  for (const codec of ['json', 'msgpack'] as const) {
    it(`calls, declared errors, deadlines and cancellation (${codec})`, async () => {
      const handlers = calcHandlers();
      const server = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: [`${scheme}://127.0.0.1:0`] }, handlers);
      expect(server.endpoints[0]).toMatch(new RegExp(`^${scheme}://127\\.0\\.0\\.1:\\d+$`));
      const client = await startNode({ node: 'app', connect: [{ address: server.endpoints[0]!, modules: ['test.calc'], codec }] });
      await exercise(client);
      // The deadline and the cancel reached the handlers: both were aborted on the server.
      await until(() => handlers.log.aborted.length === 2);
      expect(handlers.log.aborted).toHaveLength(2);
    });
  }

  it('one-way calls and events, and the subscription ends with unsubscribe', async () => {
    const handlers = calcHandlers();
    const server = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: [`${scheme}://127.0.0.1:0`] }, handlers);
    const client = await startNode({ node: 'app', connect: [{ address: server.endpoints[0]!, modules: ['test.calc'] }] });
    const inv = client.invoker(calc);
    const ticks: unknown[] = [];
    const bells: unknown[] = [];
    const sub = await inv.subscribe(calc, calc.events['tick']!, (n) => void ticks.push(n));
    await inv.subscribe(calc, calc.events['bell']!, (n) => void bells.push(n));
    inv.oneway(calc, fn('note'), ['first']);
    const publisher = server.publisher(calc);
    for (let i = 1; i <= 3; i++) publisher.publish(calc, calc.events['tick']!, i);
    publisher.publish(calc, calc.events['bell']!, undefined);
    await until(() => ticks.length === 3 && bells.length === 1 && handlers.log.notes.length === 1);
    expect(ticks).toEqual([1, 2, 3]);
    expect(bells).toEqual([undefined]);
    expect(handlers.log.notes).toEqual(['first']);
    await sub.unsubscribe();
    await sleep(50);
    publisher.publish(calc, calc.events['tick']!, 4);
    await sleep(100);
    expect(ticks).toEqual([1, 2, 3]);
  });

  it(scheme === 'ws' ? 'streams' : 'a stream is refused with UNIMPLEMENTED (ADR 0023)', async () => {
    const opened: number[] = [];
    const handlers = {
      ...calcHandlers(),
      async *count(n: number) {
        opened.push(n);
        for (let i = 1; i <= n; i++) yield i;
      },
    };
    const server = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: [`${scheme}://127.0.0.1:0`] }, handlers);
    const client = await startNode({ node: 'app', connect: [{ address: server.endpoints[0]!, modules: ['test.calc'] }] });
    const items: unknown[] = [];
    const read = (async () => {
      for await (const n of client.invoker(calc).stream(calc, fn('count'), [3], undefined)) items.push(n);
    })();
    if (scheme === 'ws') {
      await read;
      expect(items).toEqual([1, 2, 3]);
      return;
    }
    const refused = (await read.catch((e: unknown) => e)) as InteropError;
    expect([refused.code, refused.message]).toEqual([
      ErrorCode.UNIMPLEMENTED,
      'test.calc.count is a stream function: streams are not carried over HTTP; call it over ws:// (or another transport)',
    ]);
    expect(opened).toEqual([]);
  });

  it('a server that goes away fails pending calls with UNAVAILABLE, and the link dials again', async () => {
    const server = await startNode({ node: 'calc-node', modules: ['test.calc'], listen: [`${scheme}://127.0.0.1:0`] }, calcHandlers());
    const address = server.endpoints[0]!;
    const client = await startNode({ node: 'app', connect: [{ address, modules: ['test.calc'] }] });
    const inv = client.invoker(calc);
    expect(await inv.call(calc, fn('add'), [1, 1])).toBe(2);
    const pending = codeOf(inv.call(calc, fn('slow'), [10_000]));
    await sleep(50);
    await server.close();
    expect(await pending).toBe(ErrorCode.UNAVAILABLE);
    expect(await codeOf(inv.call(calc, fn('add'), [1, 1]))).toBe(ErrorCode.UNAVAILABLE);
    await startNode({ node: 'calc-node', modules: ['test.calc'], listen: [address] }, calcHandlers());
    expect(await inv.call(calc, fn('add'), [2, 2])).toBe(4);
  });
});
