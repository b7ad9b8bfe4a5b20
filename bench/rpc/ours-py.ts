// Our Python server (and client) for the round-trip suites (generated code + runtime-python).
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';

export function ourPyRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  results.note(`rpc/py ${net}: our Python transport is not available yet`);
  return [];
}

export function ourTsToPyRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  results.note(`rpc/ts→py ${net}: our TypeScript client and Python server are not available yet`);
  return [];
}
