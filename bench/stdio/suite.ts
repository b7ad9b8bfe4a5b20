// Suite 5: the stdio plugin. Start-up: time from spawn to the first answered call, against a bare
// spawn of the same runtime answering one line (plain JS, and through tsx as TypeScript plugins run
// from source). Round trip: our call over the plugin's pipes against a raw pipe ping-pong.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { BenchOptions } from '../harness/options.js';
import { median, percentile, rotated } from '../harness/stats.js';
import { fmtNs, fmtRatio, type Results } from '../harness/results.js';
import { processCpuNs } from '../harness/cpu.js';
import { tsChild } from '../harness/child.js';
import { runRtt } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { ourStdioRtt, ourStdioStartup, type StartupContender } from './ours.js';

/** A bare spawn: resolves when the child prints its first line. */
function bare(name: string, args: string[]): StartupContender {
  return {
    name,
    async start() {
      const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      await once(createInterface({ input: child.stdout! }), 'line');
      const cpuNs = processCpuNs(child.pid!);
      child.stdin!.end();
      await once(child, 'exit');
      return { cpuNs };
    },
  };
}

export async function runStdio(opts: BenchOptions, results: Results): Promise<void> {
  const contenders: StartupContender[] = [
    ...ourStdioStartup(results),
    bare('bare node (JS)', ['bench/stdio/bare-child.mjs']),
    bare('bare node + tsx (TS)', ['--import', 'tsx', 'bench/stdio/bare-child.ts']),
  ];
  const reps = opts.smoke ? 2 : 15;
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  for (let rep = 0; rep < opts.warmup + reps; rep++) {
    for (const c of rotated(contenders, rep)) {
      const t0 = process.hrtime.bigint();
      const { cpuNs } = await c.start();
      const ns = Number(process.hrtime.bigint() - t0);
      if (rep < opts.warmup) continue;
      (wall.get(c.name) ?? wall.set(c.name, []).get(c.name)!).push(ns);
      (cpu.get(c.name) ?? cpu.set(c.name, []).get(c.name)!).push(cpuNs);
    }
  }
  const t = results.table('5. stdio plugin', `Start-up to the first answer (${reps} spawns each)`, [
    'contender', 'median', 'p90', 'child CPU', 'vs bare node (JS)',
  ]);
  const base = median(wall.get('bare node (JS)')!);
  for (const c of contenders) {
    const w = wall.get(c.name)!;
    results.metric(`stdio.startup.${c.name}`, median(w));
    t.rows.push([c.name, fmtNs(median(w)), fmtNs(percentile(w, 90)), fmtNs(median(cpu.get(c.name)!)), fmtRatio(median(w) / base)]);
  }
  t.notes.push('child CPU is read from /proc at the first answer, in clock ticks (10 ms)');

  await runRtt(opts, results, {
    suite: '5. stdio plugin',
    title: 'Round trip over a spawned plugin\'s stdin/stdout (TypeScript ↔ TypeScript)',
    metricPrefix: 'rtt.stdio',
    shapes: SHAPES,
    floor: 'raw pipe (floor)',
  }, [
    ...ourStdioRtt(results),
    { name: 'raw pipe (floor)', client: () => tsChild('bench/stdio/raw-pipe.ts', ['client']) },
  ]);
}
