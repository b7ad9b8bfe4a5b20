// Our stdio plugin: a TypeScript plugin serving bench.shapes, spawned by a TypeScript parent.
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';

export interface StartupContender {
  name: string;
  /** Spawns, waits for the first answer, stops the child; returns the child's CPU time so far. */
  start(): Promise<{ cpuNs: number }>;
}

export function ourStdioStartup(results: Results): StartupContender[] {
  results.note('stdio: our stdio plugin host is not available yet');
  return [];
}

export function ourStdioRtt(_results: Results): RttContender[] {
  return [];
}
