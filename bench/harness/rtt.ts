// Request/response comparisons between child processes: each contender is a server and a client
// process, all started up front; for each shape the contenders' batches alternate, rotating the
// order every repetition. Latency is the client's per-call round-trip time; CPU time per call is
// the client's plus the server's, from /proc.
import { BenchChild, type ChildSpec } from './child.js';
import { processCpuNs } from './cpu.js';
import type { BenchOptions } from './options.js';
import { batchSize } from './options.js';
import { percentile, rotated } from './stats.js';
import { fmtNs, fmtRatio, type Results } from './results.js';
import type { ShapeName } from '../shapes/data.js';

export interface RttContender {
  name: string;
  /** Absent for a contender whose client needs no server (an in-process call). */
  server?: ChildSpec;
  client: (address: string) => ChildSpec;
}

interface Running {
  c: RttContender;
  server?: BenchChild;
  client: BenchChild;
  /** Processes the client started itself (a spawned plugin), counted in CPU time per call. */
  extraPids: number[];
}

function cpuOf(r: Running): number {
  return r.client.cpuNs() + (r.server?.cpuNs() ?? 0) + r.extraPids.reduce((sum, pid) => sum + processCpuNs(pid), 0);
}

export async function startPairs(label: string, contenders: RttContender[], results: Results): Promise<Running[]> {
  const running: Running[] = [];
  for (const c of contenders) {
    let server: BenchChild | undefined;
    try {
      let address = '';
      if (c.server) {
        server = new BenchChild(`${label} ${c.name} server`, c.server);
        address = String((await server.recv(60_000)).address);
      }
      const client = new BenchChild(`${label} ${c.name} client`, c.client(address));
      const ready = await client.recv(60_000);
      running.push({ c, server, client, extraPids: (ready.pids as number[] | undefined) ?? [] });
    } catch (e) {
      results.note(`${label}: ${c.name} left out: ${(e as Error).message.split('\n')[0]}`);
      if (process.env.BENCH_VERBOSE) console.error(e);
      await server?.stop();
    }
  }
  return running;
}

export async function stopPairs(running: Running[]): Promise<void> {
  await Promise.all(running.flatMap((r) => [r.client.stop(), r.server?.stop()]));
}

export interface RttOptions {
  suite: string;
  title: string;
  /** Metric keys are `${metricPrefix}.${shape}.${contender}.p50` etc. */
  metricPrefix: string;
  shapes: ShapeName[];
  /** Name of the contender other rows are compared with. */
  floor: string;
}

export async function runRtt(opts: BenchOptions, results: Results, o: RttOptions, contenders: RttContender[]): Promise<void> {
  const running = await startPairs(o.title, contenders, results);
  const t = results.table(o.suite, o.title, ['shape', 'contender', 'p50 RTT', 'p99 RTT', 'calls/s', 'CPU/call', 'p50 vs floor']);
  try {
    for (const shape of o.shapes) {
      const n = batchSize(opts, shape, 'rtt');
      const lat = new Map<string, number[]>();
      const cpu = new Map<string, number>();
      const wall = new Map<string, number>();
      for (let rep = 0; rep < opts.warmup + opts.reps; rep++) {
        for (const r of rotated(running, rep)) {
          const cpu0 = cpuOf(r);
          const t0 = process.hrtime.bigint();
          const answer = await r.client.request({ cmd: 'batch', shape, n });
          const elapsed = Number(process.hrtime.bigint() - t0);
          const cpu1 = cpuOf(r);
          if (rep < opts.warmup) continue;
          const l = lat.get(r.c.name) ?? lat.set(r.c.name, []).get(r.c.name)!;
          for (const x of answer.lat as number[]) l.push(x);
          cpu.set(r.c.name, (cpu.get(r.c.name) ?? 0) + (cpu1 - cpu0));
          wall.set(r.c.name, (wall.get(r.c.name) ?? 0) + elapsed);
        }
      }
      const floorP50 = percentile(lat.get(o.floor) ?? [], 50);
      for (const r of running) {
        const l = lat.get(r.c.name)!;
        const p50 = percentile(l, 50);
        const p99 = percentile(l, 99);
        const cpuPerCall = cpu.get(r.c.name)! / l.length;
        const key = `${o.metricPrefix}.${shape}.${r.c.name}`;
        results.metric(`${key}.p50`, p50);
        results.metric(`${key}.p99`, p99);
        results.metric(`${key}.cpu`, cpuPerCall);
        t.rows.push([
          shape,
          r.c.name,
          fmtNs(p50),
          fmtNs(p99),
          String(Math.round(l.length / (wall.get(r.c.name)! / 1e9))),
          fmtNs(cpuPerCall),
          fmtRatio(p50 / floorP50),
        ]);
      }
    }
  } finally {
    await stopPairs(running);
  }
}
