// Our TypeScript publisher and subscriber for the event suite (generated code + runtime-ts).
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';
import { tsChild } from '../harness/child.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';

export function ourTsEvents(results: Results): RttContender[] {
  if (!haveTs(results)) return [];
  return [{
    name: OURS,
    server: tsChild('bench/events/ts-ours.ts', ['publisher']),
    client: (address) => tsChild('bench/events/ts-ours.ts', ['subscriber'], { BENCH_ADDRESS: address }),
  }];
}
