// Run-wide options: smoke mode (CI) or full mode, and the iteration counts each implies.

export interface BenchOptions {
  smoke: boolean;
  /** Untimed repetitions before the timed ones. */
  warmup: number;
  /** Timed repetitions; figures are medians over these. */
  reps: number;
  /** Suites to run (empty = all). */
  only: string[];
}

export function parseOptions(argv: string[]): BenchOptions {
  const smoke = argv.includes('--smoke') || process.env.BENCH_SMOKE === '1';
  const only: string[] = [];
  for (const a of argv) if (a.startsWith('--only=')) only.push(...a.slice(7).split(','));
  return { smoke, warmup: smoke ? 1 : 2, reps: smoke ? 2 : 7, only };
}

/** Operations per timed batch: fixed per shape so every contender does the same work. */
export function batchSize(opts: BenchOptions, shape: string, kind: 'codec' | 'rtt' | 'event'): number {
  const full: Record<string, Record<string, number>> = {
    codec: { small: 20000, nested: 4000, blob: 40 },
    rtt: { small: 2000, nested: 1500, blob: 30 },
    event: { small: 20000, nested: 10000, blob: 20 },
  };
  const n = full[kind]![shape]!;
  return opts.smoke ? Math.max(2, Math.ceil(n / 200)) : n;
}
