// Suite 1 (Haskell): runs `bench-haskell codecs` (bench/haskell/Codecs.hs, which alternates the
// contenders itself: our msgpack, JSON, protobuf and flatbuffers codecs, aeson, binary) and tabulates
// what it prints.
import { execFileSync } from 'node:child_process';
import { batchSize, type BenchOptions } from '../harness/options.js';
import { BENCH_HASKELL, haveHaskell } from '../harness/haskell.js';
import type { Results } from '../harness/results.js';
import { SHAPES } from '../shapes/data.js';
import { codecTables } from './suite-py.js';

export async function runCodecsHs(opts: BenchOptions, results: Results): Promise<void> {
  if (!haveHaskell(results)) return;
  const batches = SHAPES.map((s) => String(batchSize(opts, s, 'codec')));
  const out = execFileSync(BENCH_HASKELL, ['codecs', String(opts.warmup), String(opts.reps), ...batches], { maxBuffer: 1 << 24 }).toString();
  codecTables(results, 'Haskell', 'hs', out);
}
