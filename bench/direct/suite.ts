// Suite 4: a direct in-process call through a generated stub (no encoding, no frames) against a
// plain awaited async function call, alternating in one process.
import type { BenchOptions } from '../harness/options.js';
import { median, rotated } from '../harness/stats.js';
import { fmtNs, fmtRatio, type Results } from '../harness/results.js';
import { makeSmall, type Small } from '../shapes/data.js';
import { ourDirect, type DirectContender } from './ours.js';

async function plainEcho(v: Small): Promise<Small> {
  return v;
}

export async function runDirect(opts: BenchOptions, results: Results): Promise<void> {
  const contenders: DirectContender[] = [
    ...(await ourDirect(results)),
    { name: 'plain async function', key: 'plain', call: plainEcho },
  ];
  const value = makeSmall();
  const n = opts.smoke ? 1000 : 200_000;
  const per = new Map<string, number[]>();
  let sink: unknown;
  for (let rep = 0; rep < opts.warmup + opts.reps; rep++) {
    for (const c of rotated(contenders, rep)) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) sink = await c.call(value);
      const ns = Number(process.hrtime.bigint() - t0) / n;
      if (rep >= opts.warmup) (per.get(c.name) ?? per.set(c.name, []).get(c.name)!).push(ns);
    }
  }
  void sink;
  const base = median(per.get('plain async function')!);
  const t = results.table('4. Direct call', `Direct in-process call, small struct (${n} calls per batch)`, ['contender', 'per call', 'vs plain async']);
  for (const c of contenders) {
    const m = median(per.get(c.name)!);
    results.metric(`direct.small.${c.key}`, m);
    t.rows.push([c.name, fmtNs(m), fmtRatio(m / base)]);
  }
}
