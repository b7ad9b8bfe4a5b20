// The C++ suites: the generated C++ API over runtime-c next to the C API it wraps, in the same run,
// from the same build (bench/cpp/child.cpp, bench/cpp/codecs.cpp), so the ratio is what the C++
// layer adds (goal from issue 12: at most 10% over C).
//   rpc-cpp      C++ client ↔ C++ server over unix and tcp, next to C client ↔ C server and a raw
//                socket echo of the same bytes (bench/c's floor); the ratio column is vs C ↔ C
//   codecs-cpp   encode+decode through the C++ codecs next to runtime-c's C codecs and msgpack-cxx
// Built once per run into bench/out/cpp (Release); if the build fails, the suites say why and are
// left out.
import { execFileSync } from 'node:child_process';
import type { BenchOptions } from '../harness/options.js';
import { fmtBytes, fmtNs, fmtRatio, type Results } from '../harness/results.js';
import type { ChildSpec } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { rawFloor } from '../c/suite.js';

const OUT = 'bench/out/cpp';
const BASE = 'C client → C server';
let built: boolean | undefined;

/** Builds bench/cpp once per run; false (with a note) when it cannot be built. */
function buildCpp(results: Results): boolean {
  if (built !== undefined) return built;
  try {
    execFileSync('cmake', ['-S', 'bench/cpp', '-B', OUT, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'pipe' });
    execFileSync('cmake', ['--build', OUT, '-j', '2', '--target', 'bench_cpp_child', 'bench_cpp_codecs'], { stdio: 'pipe', maxBuffer: 1 << 24 });
    built = true;
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-5).join(' / ');
    results.note(`C++ suites left out: bench/cpp does not build (${tail || out.message.split('\n')[0]})`);
    built = false;
  }
  return built;
}

function child(role: string, env: Record<string, string>): ChildSpec {
  return { cmd: `${OUT}/bench_cpp_child`, args: [role], env };
}

const pair = (name: string, server: string, client: string, net: string): RttContender => ({
  name,
  server: child(server, { BENCH_NET: net }),
  client: (address) => child(client, { BENCH_ADDRESS: address }),
});

export async function runRpcCpp(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildCpp(results)) return;
  for (const net of ['unix', 'tcp'] as const) {
    const floor = rawFloor(results, net);  // the same bytes echoed over a raw socket (bench/c)
    await runRtt(opts, results, {
      suite: '2. Request/response',
      title: `C++ ↔ C++ over ${net}, next to C ↔ C and the raw floor`,
      metricPrefix: `rtt.cpp.${net}`,
      shapes: SHAPES,
      floor: BASE,
    }, [pair('C++ client → C++ server', 'server', 'client', net), pair(BASE, 'c-server', 'c-client', net), ...(floor ? [floor] : [])]);
  }
}

interface Row {
  shape: string;
  name: string;
  key: string;
  n: number;
  ns: number;
  size: number;
}

export async function runCodecsCpp(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildCpp(results)) return;
  const out = execFileSync(`${OUT}/bench_cpp_codecs`, [String(opts.warmup), String(opts.reps), opts.smoke ? '1' : '0'], { maxBuffer: 1 << 22 });
  const { rows } = JSON.parse(out.toString()) as { rows: Row[] };
  if (!rows.some((r) => r.key.startsWith('mpcxx.'))) results.note('C++ codecs: the msgpack-cxx peer is left out (no msgpack.hpp: Debian libmsgpack-cxx-dev, bench/setup.sh installs it in full mode)');
  for (const shape of [...new Set(rows.map((r) => r.shape))]) {
    const mine = rows.filter((r) => r.shape === shape);
    const t = results.table('1. Codecs', `C++ codecs, ${shape} (${mine[0]!.n} ops per batch, CPU time)`, ['codec', 'size', 'encode+decode', 'vs C, same codec']);
    for (const r of mine) {
      const c = mine.find((x) => x.key === `c.${r.key.split('.')[1]}`)!;
      results.metric(`codec.cpp.${shape}.${r.key}`, r.ns);
      t.rows.push([r.name, fmtBytes(r.size), fmtNs(r.ns), fmtRatio(r.ns / c.ns)]);
    }
  }
}
