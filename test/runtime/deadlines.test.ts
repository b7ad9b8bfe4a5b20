import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import type { CallContext } from '../../runtime-ts/src/module.js';
import { Deadline, DeadlineQueue } from '../../runtime-ts/src/node/deadlines.js';
import { EventHub } from '../../runtime-ts/src/node/events.js';
import { DirectInvoker } from '../../runtime-ts/src/transport/direct.js';
import { DEFAULT_LIMITS } from '../../runtime-ts/src/wire/limits.js';
import { calcHandlers, calcModule, NotFound } from './fixtures.js';
import { sleep } from './harness.js';

const deadlinesModule = join(process.cwd(), 'runtime-ts/src/node/deadlines.ts'); // vitest runs from the repo root

class Probe extends Deadline {
  firedAt = -1;
  constructor(
    readonly name: string,
    readonly log: string[],
  ) {
    super();
  }
  onDeadline(): void {
    this.firedAt = performance.now();
    this.log.push(this.name);
  }
}

describe('DeadlineQueue', () => {
  it('expires entries in deadline order, never before their time, and not once finished', async () => {
    const q = new DeadlineQueue();
    const log: string[] = [];
    const t0 = performance.now();
    const late = new Probe('late', log);
    const early = new Probe('early', log);
    const done = new Probe('done', log);
    q.add(late, 60);
    q.add(done, 10);
    q.add(early, 20);
    q.finish(done);
    expect(q.size).toBe(2);
    // Checked by when each fired, not by how long a sleep took: on a loaded machine sleep(40) can
    // return after 60 ms, when 'late' is rightly gone too.
    await sleep(40);
    expect(log[0]).toBe('early');
    expect(early.firedAt - t0).toBeGreaterThanOrEqual(19); // timers may round down by up to 1 ms
    await sleep(50);
    while (log.length < 2 && performance.now() - t0 < 5000) await sleep(10);
    expect(log).toEqual(['early', 'late']);
    expect(late.firedAt - t0).toBeGreaterThanOrEqual(59);
    expect(q.size).toBe(0);
    q.finish(late); // after expiry: nothing
    expect(q.size).toBe(0);
  });

  it('keeps many out-of-order finishes bounded and still expires the live one', async () => {
    const q = new DeadlineQueue();
    const log: string[] = [];
    const first = new Probe('first', log);
    q.add(first, 30);
    for (let i = 0; i < 10_000; i++) {
      const p = new Probe(`p${i}`, log);
      q.add(p, 1000);
      q.finish(p);
    }
    expect(q.size).toBe(1);
    expect((q as unknown as { heap: unknown[] }).heap.length).toBeLessThan(200);
    await sleep(60);
    expect(log).toEqual(['first']);
  });

  it('an entry added from onDeadline is scheduled', async () => {
    const q = new DeadlineQueue();
    const log: string[] = [];
    const second = new Probe('second', log);
    const first = new (class extends Probe {
      override onDeadline(): void {
        super.onDeadline();
        q.add(second, 5);
      }
    })('first', log);
    q.add(first, 5);
    // 10 ms of timers, but a loaded machine may run them much later: wait for both, up to 5 s.
    for (const until = Date.now() + 5_000; log.length < 2 && Date.now() < until; ) await sleep(5);
    expect(log).toEqual(['first', 'second']);
  });

  it('does not keep the process alive once nothing is in flight', () => {
    const script = `
      import { Deadline, deadlines } from ${JSON.stringify(deadlinesModule)};
      class P extends Deadline { onDeadline() { console.log('expired'); } }
      const p = new P();
      deadlines.add(p, 60_000);
      setTimeout(() => { deadlines.finish(p); console.log('finished'); }, 10);
    `;
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('finished');
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('keeps the process alive while a deadline is pending', () => {
    const script = `
      import { Deadline, deadlines } from ${JSON.stringify(deadlinesModule)};
      class P extends Deadline { onDeadline() { console.log('expired'); } }
      deadlines.add(new P(), 50);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.stdout.trim()).toBe('expired');
  });
});

describe('DirectInvoker deadlines and cancellation', () => {
  const calc = calcModule();
  const fn = (name: string) => calc.functions[name]!;
  const invoker = (handlers: object, counters: Record<string, number> = {}) => new DirectInvoker({ descriptor: calc, handlers }, new EventHub(), DEFAULT_LIMITS, counters);

  it('a deadline fails the call with DEADLINE_EXCEEDED and aborts ctx.signal with the same error', async () => {
    const handlers = calcHandlers();
    const t0 = Date.now();
    const error = (await invoker(handlers)
      .call(calc, fn('slow'), [5000], { timeoutMs: 30 })
      .catch((e: unknown) => e)) as InteropError;
    expect(error).toBeInstanceOf(InteropError);
    expect(error.code).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(error.message).toBe('test.calc.slow: deadline of 30 ms exceeded');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(29);
    expect(handlers.log.aborted).toEqual([error.message]);
  });

  it('the caller cancelling fails the call with CANCELLED and aborts ctx.signal', async () => {
    const handlers = calcHandlers();
    const ac = new AbortController();
    const p = invoker(handlers).call(calc, fn('slow'), [5000], { signal: ac.signal });
    await sleep(5);
    ac.abort();
    const error = (await p.catch((e: unknown) => e)) as InteropError;
    expect(error.code).toBe(ErrorCode.CANCELLED);
    expect(error.message).toBe('test.calc.slow: cancelled by the caller');
    expect(handlers.log.aborted).toEqual([error.message]);
    const before = await invoker(handlers)
      .call(calc, fn('slow'), [1], { signal: ac.signal })
      .catch((e: InteropError) => e.code);
    expect(before).toBe(ErrorCode.CANCELLED);
  });

  it('ctx.signal read after the call ended is already aborted; ctx.deadline is start + timeout', async () => {
    let seen: CallContext | undefined;
    const handlers = {
      slow: (_ms: number, ctx: CallContext) => {
        seen = ctx;
        return new Promise(() => undefined);
      },
    };
    const t0 = Date.now();
    const p = invoker(handlers).call(calc, fn('slow'), [1], { timeoutMs: 20 });
    expect(Math.abs(seen!.deadline! - (t0 + 20))).toBeLessThanOrEqual(2);
    expect(seen!.peer).toBe('local');
    expect(await p.catch((e: InteropError) => e.code)).toBe(ErrorCode.DEADLINE_EXCEEDED);
    expect(seen!.signal.aborted).toBe(true);
    expect((seen!.signal.reason as InteropError).code).toBe(ErrorCode.DEADLINE_EXCEEDED);
  });

  it('results, declared errors, other errors and synchronous throws map as before', async () => {
    const counters: Record<string, number> = {};
    const inv = invoker(calcHandlers(), counters);
    expect(await inv.call(calc, fn('add'), [2, 40])).toBe(42);
    expect(await inv.call(calc, fn('echo'), ['x'])).toBe('x');
    await expect(inv.call(calc, fn('fail'), ['declared'])).rejects.toBeInstanceOf(NotFound);
    const other = (await inv.call(calc, fn('fail'), ['boom']).catch((e: unknown) => e)) as InteropError;
    expect(other.code).toBe(ErrorCode.INTERNAL);
    expect(other.message).toBe('fail: handler failed: boom');
    expect(counters.handler_errors).toBe(2);
    expect(await inv.call(calc, fn('missing'), []).catch((e: InteropError) => e.code)).toBe(ErrorCode.UNIMPLEMENTED);
    expect(await inv.call(calcModule('sha256:other'), fn('add'), [1, 2]).catch((e: InteropError) => e.code)).toBe(ErrorCode.SCHEMA_MISMATCH);
  });
});
