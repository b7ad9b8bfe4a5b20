// The D suite: the generated D API over runtime-c in round trips, next to C ↔ C in the same run.
//   rpc-d   D client ↔ D server, D client → C server and C client → D server over unix and tcp,
//           next to C client → C server (bench/c's child), so the ratios are what the D layer adds
// Built once per run into bench/out/d (bench/d/build.sh, ldc2 -O -release); if the build fails,
// the suite says why and is left out.
import { execFileSync } from 'node:child_process';
import type { BenchOptions } from '../harness/options.js';
import type { Results } from '../harness/results.js';
import type { ChildSpec } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { buildC, cChild } from '../c/suite.js';

const BASE = 'C client → C server';
let built: boolean | undefined;

function buildD(results: Results): boolean {
  if (built !== undefined) return built;
  try {
    execFileSync('bash', ['bench/d/build.sh'], { stdio: 'pipe', maxBuffer: 1 << 24 });
    built = true;
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-5).join(' / ');
    results.note(`D suite left out: bench/d does not build (${tail || out.message.split('\n')[0]})`);
    built = false;
  }
  return built;
}

function dChild(role: string, env: Record<string, string>): ChildSpec {
  return { cmd: 'bench/out/d/bench_d_child', args: [role], env };
}

export async function runRpcD(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildD(results) || !buildC(results)) return;
  for (const net of ['unix', 'tcp'] as const) {
    const pair = (name: string, server: typeof dChild, client: typeof dChild): RttContender => ({
      name,
      server: server('server', { BENCH_NET: net }),
      client: (address) => client('client', { BENCH_ADDRESS: address }),
    });
    await runRtt(opts, results, {
      suite: '2. Request/response',
      title: `D ↔ D and D ↔ C over ${net}, next to C ↔ C`,
      metricPrefix: `rtt.d.${net}`,
      shapes: SHAPES,
      floor: BASE,
    }, [
      pair('D client → D server', dChild, dChild),
      pair('D client → C server', cChild, dChild),
      pair('C client → D server', dChild, cChild),
      pair(BASE, cChild, cChild),
    ]);
  }
}
