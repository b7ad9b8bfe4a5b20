// Our TypeScript server and client for the round-trip suites (generated stubs + runtime-ts node).
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';

export function ourTsRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  results.note(`rpc/ts ${net}: our TypeScript transport is not available yet`);
  return [];
}
