// Suite 2 (TypeScript ↔ TypeScript): request/response round trips over Unix and TCP sockets,
// ours against the raw socket floor, @grpc/grpc-js and zeromq REQ/REP; then over shm (shared
// memory, runtime-ts's addon) next to the same pair over unix, and a TS client → C server over shm.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { tsChild } from '../harness/child.js';
import { buildC, cChild } from '../c/suite.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { haveTs, ourTsRpc } from './ours-ts.js';

export const FLOOR = 'raw socket (floor)';

export async function runRpcTs(opts: BenchOptions, results: Results): Promise<void> {
  for (const net of ['unix', 'tcp'] as const) {
    const pair = (name: string, file: string): RttContender => ({
      name,
      server: tsChild(file, ['server'], { BENCH_NET: net }),
      client: (address) => tsChild(file, ['client'], { BENCH_ADDRESS: address }),
    });
    const contenders = [
      ...ourTsRpc(net, results),
      pair(FLOOR, 'bench/rpc/ts-raw.ts'),
      pair('grpc-js', 'bench/rpc/ts-grpc.ts'),
      pair('zeromq REQ/REP', 'bench/rpc/ts-zmq.ts'),
    ];
    await runRtt(opts, results, {
      suite: '2. Request/response',
      title: `TypeScript ↔ TypeScript over ${net}`,
      metricPrefix: `rtt.ts-ts.${net}`,
      shapes: SHAPES,
      floor: FLOOR,
    }, contenders);
  }
  await runRpcTsShm(opts, results);
}

/** The bundled runtime (bench/out/js) finds the shm addon by this path. */
const SHM_ADDON = { INTEROP_SHM_ADDON: resolve('runtime-ts/native/shm/build/Release/interop_shm.node') };
export const SHM_BASELINE = 'interop over unix';

async function runRpcTsShm(opts: BenchOptions, results: Results): Promise<void> {
  if (!haveTs(results)) return;
  if (!existsSync(SHM_ADDON.INTEROP_SHM_ADDON)) return results.note('runtime-ts\'s shm addon not built (scripts/ensure-deps.sh): TS over shm left out');
  const ts = (role: string, env: Record<string, string>) => tsChild('bench/rpc/ts-ours.ts', [role], { ...SHM_ADDON, ...env });
  const pair = (name: string, net: string): RttContender => ({ name, server: ts('server', { BENCH_NET: net }), client: (a) => ts('client', { BENCH_ADDRESS: a }) });
  const contenders = [pair('interop over shm', 'shm'), pair(SHM_BASELINE, 'unix')];
  if (buildC(results)) contenders.push({ name: 'TS client → C server over shm', server: cChild('server', { BENCH_NET: 'shm' }), client: (a) => ts('client', { BENCH_ADDRESS: a }) });
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'TypeScript ↔ TypeScript over shm (shared memory), next to unix',
    metricPrefix: 'rtt.ts-ts.shm',
    shapes: SHAPES,
    floor: SHM_BASELINE,
  }, contenders);
}
