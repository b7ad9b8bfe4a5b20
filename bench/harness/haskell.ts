// The Haskell side of the benchmarks: bench/haskell/ built by runtime-haskell/build.sh (which
// bench/setup.sh runs when a Haskell suite is selected) into runtime-haskell/.build/bin.
import { existsSync } from 'node:fs';
import type { ChildSpec } from './child.js';
import type { Results } from './results.js';

export const BENCH_HASKELL = 'runtime-haskell/.build/bin/bench-haskell';

export function haveHaskell(results: Results): boolean {
  if (existsSync(BENCH_HASKELL)) return true;
  results.note(`${BENCH_HASKELL} missing (runtime-haskell/build.sh failed or did not run; see bench/out/haskell-build.log): the Haskell rows are left out`);
  return false;
}

export function hsChild(mode: string, env: Record<string, string> = {}): ChildSpec {
  return { cmd: BENCH_HASKELL, args: [mode], env };
}
