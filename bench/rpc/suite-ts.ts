// Suite 2 (TypeScript ↔ TypeScript): request/response round trips over Unix and TCP sockets,
// ours against the raw socket floor, @grpc/grpc-js and zeromq REQ/REP.
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { tsChild } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { ourTsRpc } from './ours-ts.js';

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
}
