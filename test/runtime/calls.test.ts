// The caller side of a connection (runtime-ts/src/node/calls.ts) over real unix sockets: waiting
// for an in-flight slot within the deadline, the time left sent as timeout_ms, the slot given back
// on every way a call ends, and the synchronous path when a slot is free.

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type InteropError } from '../../runtime-ts/src/errors.js';
import type { CallContext } from '../../runtime-ts/src/module.js';
import { deadlines } from '../../runtime-ts/src/node/deadlines.js';
import { calcHandlers, calcModule } from './fixtures.js';
import { pair, sleep, type Pair } from './harness.js';

const calc = calcModule();
const fn = (name: string) => calc.functions[name]!;
let current: Pair | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

/** Settles to the error's [code, message], or to 'resolved'. */
const outcome = (p: Promise<unknown>) => p.then(() => 'resolved', (e: InteropError) => [e.code, e.message]);

async function calcPair(clientMaxInFlight: number) {
  const handlers = calcHandlers();
  const timeLeft: number[] = [];
  const recording = Object.assign(handlers, {
    add(a: number, b: number, ctx: CallContext) {
      timeLeft.push(ctx.deadline! - Date.now());
      return a + b;
    },
  });
  current = await pair({ serverHosts: [{ descriptor: calc, handlers: recording }], client: { wants: [calc] }, clientLimits: { maxInFlight: clientMaxInFlight } });
  return { ...current, handlers, timeLeft };
}

describe('waiting for an in-flight slot', () => {
  it('fails at the deadline or on abort while waiting, and the slot goes to the next waiter', async () => {
    const { client, handlers } = await calcPair(1);
    const first = client.call(calc, fn('slow'), [150]);
    const timedOut = outcome(client.call(calc, fn('add'), [1, 1], { timeoutMs: 30 }));
    const ac = new AbortController();
    const aborted = outcome(client.call(calc, fn('add'), [1, 2], { signal: ac.signal }));
    const next = client.call(calc, fn('add'), [2, 3]);
    ac.abort();
    expect(await aborted).toEqual([ErrorCode.CANCELLED, 'call cancelled while waiting for an in-flight slot']);
    expect(await timedOut).toEqual([ErrorCode.DEADLINE_EXCEEDED, 'deadline passed while waiting for an in-flight slot']);
    expect(handlers.log.started).toBe(1);
    expect(await first).toBe('slept 150');
    expect(await next).toBe(5);
    // Nothing is left on the shared deadline queue: every call finished its entry.
    expect(deadlines.size).toBe(0);
  });

  it('sends the time left as timeout_ms, less the time spent waiting for the slot', async () => {
    const { client, timeLeft } = await calcPair(1);
    expect(await client.call(calc, fn('add'), [1, 1], { timeoutMs: 5000 })).toBe(2);
    const slow = client.call(calc, fn('slow'), [100]);
    expect(await client.call(calc, fn('add'), [1, 1], { timeoutMs: 5000 })).toBe(2);
    await slow;
    expect(timeLeft[0]).toBeGreaterThan(4900);
    expect(timeLeft[0]).toBeLessThanOrEqual(5000);
    expect(timeLeft[1]).toBeLessThan(4950);
    expect(timeLeft[1]).toBeGreaterThan(4000);
  });

  it('arguments that do not encode fail with INVALID_ARGUMENT and give their slot back', async () => {
    const { client } = await calcPair(1);
    const [code] = (await outcome(client.call(calc, fn('add'), ['not a number', 1]))) as [number, string];
    expect(code).toBe(ErrorCode.INVALID_ARGUMENT);
    expect(await client.call(calc, fn('add'), [1, 2])).toBe(3);
  });

  it('our GOODBYE fails the calls waiting for a slot with UNAVAILABLE; the call already sent is answered', async () => {
    const { client } = await calcPair(1);
    const sent = client.call(calc, fn('slow'), [50]);
    const waiting = outcome(client.call(calc, fn('add'), [1, 2]));
    const closing = client.close();
    expect(((await waiting) as [number, string])[0]).toBe(ErrorCode.UNAVAILABLE);
    expect(await sent).toBe('slept 50');
    await closing;
  });
});

describe('the synchronous path', () => {
  it('with a slot free and the channel taking data, the REQUEST is queued before call() returns', async () => {
    const { client } = await calcPair(4);
    expect(client.heldBytes()).toBe(0);
    const p = client.call(calc, fn('add'), [20, 22]);
    expect(client.heldBytes()).toBeGreaterThan(18);
    expect(await p).toBe(42);
    await sleep(0);
    expect(deadlines.size).toBe(0);
  });
});
