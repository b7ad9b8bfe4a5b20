// Suite 3: event throughput from one publisher to one subscriber over a Unix socket, ours against
// zeromq PUB/SUB and a raw socket stream of the same frames (the floor).
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import { tsChild } from '../harness/child.js';
import { runEvents } from '../harness/events.js';
import type { RttContender } from '../harness/rtt.js';
import { ourTsEvents } from './ours-ts.js';

const FLOOR = 'raw socket stream (floor)';

export async function runEventsSuite(opts: BenchOptions, results: Results): Promise<void> {
  const pair = (name: string, file: string): RttContender => ({
    name,
    server: tsChild(file, ['publisher']),
    client: (address) => tsChild(file, ['subscriber'], { BENCH_ADDRESS: address }),
  });
  await runEvents(opts, results, {
    suite: '3. Events',
    title: 'TypeScript publisher → TypeScript subscriber over unix',
    metricPrefix: 'events.ts-ts.unix',
    shapes: ['small', 'nested'],
    floor: FLOOR,
  }, [
    ...ourTsEvents(results),
    pair(FLOOR, 'bench/events/ts-raw-stream.ts'),
    pair('zeromq PUB/SUB', 'bench/events/ts-zmq-pubsub.ts'),
  ]);
}
