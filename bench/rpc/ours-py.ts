// Our Python server (and client) for the round-trip suites (generated code + runtime-python).
import { existsSync } from 'node:fs';
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';
import { pyChild } from '../harness/child.js';

export const OURS = 'interop';

function havePython(results: Results): boolean {
  if (existsSync('bench/out/gen/python/bench_shapes.py')) return true;
  results.note('rpc: generated Python code missing (interopc gen --lang python): our Python side left out');
  return false;
}

export function ourPyRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  if (!havePython(results)) return [];
  return [{
    name: OURS,
    server: pyChild('bench/rpc/py_ours.py', ['server'], { BENCH_NET: net }),
    client: (address) => pyChild('bench/rpc/py_ours.py', ['client'], { BENCH_ADDRESS: address }),
  }];
}

export function ourTsToPyRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  results.note(`rpc/ts→py ${net}: our TypeScript client and Python server are not available yet`);
  return [];
}
