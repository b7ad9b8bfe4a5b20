// Suite 4: a direct in-process call through a generated stub (no encoding, no frames) against a
// plain awaited async function call, alternating in one process; the invoker's call with and
// without the value checks (docs/wire.md §3.4), so their cost shows as a difference; and the same
// three for the Python runtime (bench/direct/py_direct.py).
import { execFileSync } from 'node:child_process';
import type { BenchOptions } from '../harness/options.js';
import { median, rotated } from '../harness/stats.js';
import { fmtNs, fmtRatio, type Results } from '../harness/results.js';
import type { ShapeName } from '../shapes/data.js';
import { typedValue } from '../shapes/typed.js';
import { ourDirect, type DirectContender } from './ours.js';

async function plainEcho(v: unknown): Promise<unknown> {
  return v;
}

const BATCH: Record<string, number> = { small: 200_000, nested: 50_000 };

export async function runDirect(opts: BenchOptions, results: Results): Promise<void> {
  for (const shape of ['small', 'nested'] as ShapeName[]) await runShape(opts, results, shape);
  runPython(opts, results);
}

async function runShape(opts: BenchOptions, results: Results, shape: ShapeName): Promise<void> {
  const contenders: DirectContender[] = [...(await ourDirect(results, shape)), { name: 'plain async function', key: 'plain', call: plainEcho }];
  const value = typedValue(shape);
  const n = opts.smoke ? 1000 : BATCH[shape]!;
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
  const t = results.table('4. Direct call', `TypeScript: direct in-process call, ${shape} struct (${n} calls per batch)`, ['contender', 'per call', 'vs plain async']);
  for (const c of contenders) {
    const m = median(per.get(c.name)!);
    results.metric(`direct.${shape}.${c.key}`, m);
    t.rows.push([c.name, fmtNs(m), fmtRatio(m / base)]);
  }
  checkCost(results, `direct.${shape}`, `TypeScript, ${shape}`);
}

interface PyRow {
  shape: string;
  key: string;
  name: string;
  n: number;
  ns: number;
}

/** Python's DirectInvoker, with and without the value checks, against a plain awaited coroutine. */
function runPython(opts: BenchOptions, results: Results): void {
  let rows: PyRow[];
  try {
    const out = execFileSync('bench/.venv/bin/python', ['bench/direct/py_direct.py', String(opts.warmup), String(opts.reps), opts.smoke ? '1' : '0'], {
      maxBuffer: 1 << 20,
    }).toString();
    rows = (JSON.parse(out) as { rows: PyRow[] }).rows;
  } catch (e) {
    results.note(`direct/python: not run (${(e as Error).message.split('\n')[0]})`);
    return;
  }
  for (const shape of [...new Set(rows.map((r) => r.shape))]) {
    const mine = rows.filter((r) => r.shape === shape);
    const base = mine.find((r) => r.key === 'plain')!.ns;
    const t = results.table('4. Direct call', `Python: direct in-process call, ${shape} struct (${mine[0]!.n} calls per batch)`, ['contender', 'per call', 'vs plain async']);
    for (const r of mine) {
      results.metric(`direct.py.${shape}.${r.key}`, r.ns);
      t.rows.push([r.name, fmtNs(r.ns), fmtRatio(r.ns / base)]);
    }
    checkCost(results, `direct.py.${shape}`, `Python, ${shape}`);
  }
}

/** What the value checks add to a direct call: the checked call minus the unchecked one. */
function checkCost(results: Results, prefix: string, label: string): void {
  const on = results.metrics[`${prefix}.checked`];
  const off = results.metrics[`${prefix}.unchecked`];
  if (on === undefined || off === undefined) return;
  results.metric(`${prefix}.checks`, on - off);
  results.note(`direct call value checks (${label}): ${fmtNs(on - off)} per call (arguments + result), ${fmtRatio(on / off)} the unchecked call`);
}
