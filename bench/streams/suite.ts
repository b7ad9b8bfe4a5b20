// Suite: server-streaming throughput, one TypeScript callee streaming to one TypeScript caller over
// a Unix socket, for small items (the small shape, about 40 bytes) and 64 KiB items: ours (credit
// of docs/wire.md §1.5, stream_window 64) against a raw socket stream of the same STREAM_ITEM frames
// (the floor: no decoding, no flow control) and grpc-js server streaming (HTTP/2 flow control,
// protobufjs). Per batch the caller asks for N items; the time runs from its request to the last
// item, on its monotonic clock. CPU per item is the caller's and the callee's.
import type { BenchOptions } from '../harness/options.js';
import { fmtBytes, fmtNs, fmtRate, fmtRatio, type Results } from '../harness/results.js';
import { tsChild } from '../harness/child.js';
import { startPairs, stopPairs, type RttContender } from '../harness/rtt.js';
import { median, rotated } from '../harness/stats.js';
import { haveTs, OURS } from '../rpc/ours-ts.js';
import { ITEM_KINDS, itemBytes, type ItemKind } from './items.js';

const FLOOR = 'raw socket stream (floor)';
const GRPC = 'grpc-js server streaming';

function batch(opts: BenchOptions, kind: ItemKind): number {
  const full = kind === 'small' ? 100_000 : 2_000;
  return opts.smoke ? Math.ceil(full / 200) : full;
}

export async function runStreams(opts: BenchOptions, results: Results): Promise<void> {
  const pair = (name: string, file: string): RttContender => ({
    name,
    server: tsChild(file, ['server']),
    client: (address) => tsChild(file, ['client'], { BENCH_ADDRESS: address }),
  });
  const title = 'TypeScript callee → TypeScript caller over unix, server stream';
  const running = await startPairs(title, [
    ...(haveTs(results) ? [pair(OURS, 'bench/streams/ts-ours.ts')] : []),
    pair(FLOOR, 'bench/streams/ts-raw.ts'),
    pair(GRPC, 'bench/streams/ts-grpc.ts'),
  ], results);
  const t = results.table('Streams', title, ['items', 'contender', 'items/s', 'MiB/s', 'CPU/item', 'vs floor', 'ours vs grpc-js']);
  try {
    for (const kind of ITEM_KINDS) {
      const n = batch(opts, kind);
      const bytes = await itemBytes(kind);
      const rates = new Map<string, number[]>();
      const cpu = new Map<string, number>();
      for (let rep = 0; rep < opts.warmup + opts.reps; rep++) {
        for (const r of rotated(running, rep)) {
          const cpu0 = r.client.cpuNs() + r.server!.cpuNs();
          const done = await r.client.request({ cmd: 'stream', kind, n });
          const cpu1 = r.client.cpuNs() + r.server!.cpuNs();
          if (done.received !== n) throw new Error(`${r.c.name}: ${String(done.received)} of ${n} items received`);
          if (rep < opts.warmup) continue;
          (rates.get(r.c.name) ?? rates.set(r.c.name, []).get(r.c.name)!).push(n / ((done.ns as number) / 1e9));
          cpu.set(r.c.name, (cpu.get(r.c.name) ?? 0) + (cpu1 - cpu0));
        }
      }
      const floor = median(rates.get(FLOOR) ?? []);
      const grpc = median(rates.get(GRPC) ?? []);
      for (const r of running) {
        const rate = median(rates.get(r.c.name)!);
        results.metric(`streams.ts-ts.unix.${kind}.${r.c.name}.rate`, rate);
        t.rows.push([
          `${kind} (${fmtBytes(bytes)})`,
          r.c.name,
          fmtRate(rate),
          ((rate * bytes) / (1 << 20)).toFixed(1),
          fmtNs(cpu.get(r.c.name)! / (n * opts.reps)),
          fmtRatio(rate / floor),
          r.c.name === OURS ? fmtRatio(rate / grpc) : '',
        ]);
      }
    }
  } finally {
    await stopPairs(running);
  }
}
