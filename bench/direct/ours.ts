// Our generated client stub for bench.shapes, bound to the in-process (direct) invoker.
import type { Results } from '../harness/results.js';
import type { Small } from '../shapes/data.js';

export interface DirectContender {
  name: string;
  /** Metric key: "stub" for ours, "plain" for the baseline. */
  key: string;
  call(v: Small): Promise<unknown>;
}

export async function ourDirect(results: Results): Promise<DirectContender[]> {
  results.note('direct: generated TypeScript stubs and the direct invoker are not available yet');
  return [];
}
