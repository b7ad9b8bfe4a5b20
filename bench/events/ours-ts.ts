// Our TypeScript publisher and subscriber for the event suite (generated code + runtime-ts).
import type { Results } from '../harness/results.js';
import type { RttContender } from '../harness/rtt.js';

export function ourTsEvents(results: Results): RttContender[] {
  results.note('events/ts: our TypeScript events over unix are not available yet');
  return [];
}
