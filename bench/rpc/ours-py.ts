// Our Python server (and client) for the round-trip suites (generated code + runtime-python).
import { existsSync } from 'node:fs';
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';
import { pyChild, tsChild } from '../harness/child.js';
import { haveTs } from './ours-ts.js';

import { OURS } from './ours-ts.js';

export function havePython(results: Results): boolean {
  if (existsSync('bench/out/gen/python/bench_shapes.py')) return true;
  results.note('rpc: generated Python code missing (interopc gen --lang python): our Python side left out');
  return false;
}

export function ourPyRpc(net: 'unix' | 'tcp' | 'shm', results: Results): RttContender[] {
  if (!havePython(results)) return [];
  return [{
    name: OURS,
    server: pyChild('bench/rpc/py_ours.py', ['server'], { BENCH_NET: net }),
    client: (address) => pyChild('bench/rpc/py_ours.py', ['client'], { BENCH_ADDRESS: address }),
  }];
}

export function ourTsToPyRpc(net: 'unix' | 'tcp', results: Results): RttContender[] {
  if (!havePython(results) || !haveTs(results)) return [];
  return [{
    name: OURS,
    server: pyChild('bench/rpc/py_ours.py', ['server'], { BENCH_NET: net }),
    client: (address) => tsChild('bench/rpc/ts-ours.ts', ['client'], { BENCH_ADDRESS: address }),
  }];
}
