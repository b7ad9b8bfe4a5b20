// Event throughput between child processes: a publisher (binds, prints its address) and a
// subscriber (connects). Per batch the driver arms the subscriber for N events, notes the
// monotonic clock, tells the publisher to send N; the subscriber answers with how many it got and
// the monotonic time of the last one (CLOCK_MONOTONIC is shared by processes on one machine).
import type { BenchOptions } from './options.js';
import { batchSize } from './options.js';
import { median, rotated } from './stats.js';
import { fmtNs, fmtRate, type Results } from './results.js';
import { startPairs, stopPairs, type RttContender } from './rtt.js';
import type { ShapeName } from '../shapes/data.js';
import { hrtime } from 'node:process';

export interface EventOptions {
  suite: string;
  title: string;
  metricPrefix: string;
  shapes: ShapeName[];
  floor: string;
}

/** `server` is the publisher, `client` the subscriber. */
export async function runEvents(opts: BenchOptions, results: Results, o: EventOptions, contenders: RttContender[]): Promise<void> {
  const running = await startPairs(o.title, contenders, results);
  const t = results.table(o.suite, o.title, ['shape', 'contender', 'events/s', 'per event', 'CPU/event', 'delivered', 'vs floor']);
  try {
    for (const shape of o.shapes) {
      const n = batchSize(opts, shape, 'event');
      const rates = new Map<string, number[]>();
      const cpu = new Map<string, number>();
      const got = new Map<string, number>();
      for (let rep = 0; rep < opts.warmup + opts.reps; rep++) {
        for (const r of rotated(running, rep)) {
          await r.client.request({ cmd: 'expect', n });
          const cpu0 = r.client.cpuNs() + r.server!.cpuNs();
          const t0 = Number(hrtime.bigint());
          r.server!.send({ cmd: 'publish', shape, n });
          const done = await r.client.recv();
          await r.server!.recv();
          const cpu1 = r.client.cpuNs() + r.server!.cpuNs();
          if (rep < opts.warmup) continue;
          const received = done.received as number;
          (rates.get(r.c.name) ?? rates.set(r.c.name, []).get(r.c.name)!).push(received / (((done.lastNs as number) - t0) / 1e9));
          cpu.set(r.c.name, (cpu.get(r.c.name) ?? 0) + (cpu1 - cpu0));
          got.set(r.c.name, (got.get(r.c.name) ?? 0) + received);
        }
      }
      const floor = median(rates.get(o.floor) ?? []);
      for (const r of running) {
        const rate = median(rates.get(r.c.name)!);
        const received = got.get(r.c.name)!;
        results.metric(`${o.metricPrefix}.${shape}.${r.c.name}.rate`, rate);
        t.rows.push([
          shape,
          r.c.name,
          fmtRate(rate),
          fmtNs(1e9 / rate),
          fmtNs(cpu.get(r.c.name)! / Math.max(1, received)),
          `${((100 * received) / (n * opts.reps)).toFixed(1)}%`,
          `${(rate / floor).toFixed(2)}×`,
        ]);
      }
    }
  } finally {
    await stopPairs(running);
  }
}
