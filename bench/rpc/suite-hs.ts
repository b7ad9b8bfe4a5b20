// Suite 2 (Haskell): request/response round trips over a unix socket between Haskell and C, both
// ways: our Haskell client against our Haskell server and against our C server (bench/c/bench.c
// `serve`), our C client (bench/c/child.c `client`) against our Haskell server and against our C
// server, next to our TS↔TS pair and a raw Haskell socket ping-pong of the same bytes (the
// floor), all in one table of the same run. Then Haskell ↔ Haskell over shm (docs/wire.md §9)
// next to the same pair over unix, in a table of its own.
import { existsSync } from 'node:fs';
import type { ChildSpec } from '../harness/child.js';
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { hsChild, haveHaskell } from '../harness/haskell.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { ourTsRpc } from './ours-ts.js';
import { FLOOR } from './suite-ts.js';

export const BENCH_C = 'bench/out/c/bench_c';
/** The C round-trip children (server and client), built from bench/c/child.c with bench_c. */
export const BENCH_C_CHILD = 'bench/out/c/bench_c_child';

const cChild = (role: string, env: Record<string, string>): ChildSpec => ({ cmd: BENCH_C_CHILD, args: [role], env });

export async function runRpcHs(opts: BenchOptions, results: Results): Promise<void> {
  if (!haveHaskell(results)) return;
  const hsClient = (address: string) => hsChild('client', { BENCH_ADDRESS: address });
  const cClient = (address: string) => cChild('client', { BENCH_ADDRESS: address });
  const contenders: RttContender[] = [{ name: 'interop Haskell ↔ Haskell', server: hsChild('server'), client: hsClient }];
  if (existsSync(BENCH_C)) contenders.push({ name: 'interop Haskell → C', server: { cmd: BENCH_C, args: ['serve'] }, client: hsClient });
  else results.note(`${BENCH_C} missing (the C build failed; see bench/out/c-build.log): Haskell → C left out`);
  if (existsSync(BENCH_C_CHILD)) {
    contenders.push(
      { name: 'interop C → Haskell', server: hsChild('server'), client: cClient },
      { name: 'interop C ↔ C', server: cChild('server', { BENCH_NET: 'unix' }), client: cClient },
    );
  } else results.note(`${BENCH_C_CHILD} missing (bench/c has no child.c, or its build failed; see bench/out/c-build.log): C → Haskell left out`);
  contenders.push(...ourTsRpc('unix', results).map((c) => ({ ...c, name: 'interop TS ↔ TS' })));
  contenders.push({ name: FLOOR, server: hsChild('raw-server'), client: (address) => hsChild('raw-client', { BENCH_ADDRESS: address }) });
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'Haskell ↔ Haskell and Haskell ↔ C over unix',
    metricPrefix: 'rtt.hs.unix',
    shapes: SHAPES,
    floor: FLOOR,
  }, contenders);
  const unixPair = 'interop Haskell ↔ Haskell over unix';
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'Haskell ↔ Haskell over shm (shared memory), next to unix',
    metricPrefix: 'rtt.hs.shm',
    shapes: SHAPES,
    floor: unixPair,
  }, [
    { name: 'interop Haskell ↔ Haskell over shm', server: hsChild('server', { BENCH_NET: 'shm' }), client: hsClient },
    { name: unixPair, server: hsChild('server'), client: hsClient },
  ]);
}
