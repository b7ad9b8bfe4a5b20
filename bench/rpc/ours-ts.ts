// Our TypeScript server and client for the round-trip suites (generated stubs + runtime-ts).
import { existsSync } from 'node:fs';
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';
import { tsChild } from '../harness/child.js';
import { GEN_TS } from '../harness/ours-ts.js';

export const OURS = 'interop';

export function haveTs(results: Results): boolean {
  if (existsSync(GEN_TS)) return true;
  results.note('generated TypeScript code missing (interopc gen --lang ts): our TypeScript side left out');
  return false;
}

export function ourTsRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  if (!haveTs(results)) return [];
  return [{
    name: OURS,
    server: tsChild('bench/rpc/ts-ours.ts', ['server'], { BENCH_NET: net }),
    client: (address) => tsChild('bench/rpc/ts-ours.ts', ['client'], { BENCH_ADDRESS: address }),
  }];
}
