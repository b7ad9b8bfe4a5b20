// The C suites: runtime-c and the generated C code against what a C user would pick instead.
//   rpc-c        C client ↔ C server over unix and tcp, against a raw C socket ping-pong (the floor);
//                over shm against two processes spinning on a shared mapping (the shm floor) and unix
//   rpc-c-cross  a C client against the TypeScript and the Python server, next to TS ↔ TS and C ↔ C
//   direct-c     a direct call through a generated C stub against a plain indirect C call
//   codecs-c     the C codecs' (msgpack, JSON, protobuf, flatbuffers) encode+decode against msgpack-c, and
//                reading one field of our FlatBuffers bytes beside a full decode
// The C contenders (bench/c/child.c, bench/c/inproc.c) are built once per run into bench/out/c
// (Release); if the build fails, the C suites say why and are left out.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { BenchOptions } from '../harness/options.js';
import { fmtBytes, fmtNs, fmtRatio, type Results } from '../harness/results.js';
import { pyChild, tsChild, type ChildSpec } from '../harness/child.js';
import { runRtt, type RttContender } from '../harness/rtt.js';
import { SHAPES } from '../shapes/data.js';
import { haveTs } from '../rpc/ours-ts.js';

const OUT = 'bench/out/c';
const FLOOR = 'raw C socket (floor)';
const SPIN_FLOOR = 'raw shared-memory spin ping-pong (floor)';
let built: boolean | undefined;

/** Builds bench/c once per run; false (with a note) when it cannot be built. */
export function buildC(results: Results): boolean {
  if (built !== undefined) return built;
  try {
    execFileSync('cmake', ['-S', 'bench/c', '-B', OUT, '-DCMAKE_BUILD_TYPE=Release'], { stdio: 'pipe' });
    execFileSync('cmake', ['--build', OUT, '-j', '2', '--target', 'bench_c_child', 'bench_c_inproc'], { stdio: 'pipe', maxBuffer: 1 << 24 });
    built = true;
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer; message: string };
    const tail = `${out.stdout ?? ''}${out.stderr ?? ''}`.trim().split('\n').slice(-5).join(' / ');
    results.note(`C suites left out: bench/c does not build (${tail || out.message.split('\n')[0]})`);
    built = false;
  }
  return built;
}

export function cChild(role: string, env: Record<string, string> = {}): ChildSpec {
  return { cmd: `${OUT}/bench_c_child`, args: [role], env };
}

const cPair = (name: string, server: string, client: string, net: string, env: Record<string, string> = {}): RttContender => ({
  name,
  server: cChild(server, { BENCH_NET: net, ...env }),
  client: (address) => cChild(client, { BENCH_ADDRESS: address, ...env }),
});

/** The same child run on one CPU only (taskset): the server on the last CPU, the client on the first. */
const onCpu = (spec: ChildSpec, cpu: number): ChildSpec => ({ ...spec, cmd: 'taskset', args: ['-c', String(cpu), spec.cmd, ...spec.args] });
const pinnedPair = (c: RttContender, cpus: number): RttContender => ({
  name: `${c.name}, pinned`,
  server: c.server && onCpu(c.server, cpus - 1),
  client: (address) => onCpu(c.client(address), 0),
});

/** Whether client and server can each have a CPU of their own to be pinned to (taskset, 2+ CPUs). */
function canPin(): boolean {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'pipe' });
    return availableParallelism() >= 2;
  } catch {
    return false;
  }
}

/** The raw socket ping-pong of the same bytes (the floor), for other suites' tables; undefined when bench/c does not build. */
export function rawFloor(results: Results, net: 'unix' | 'tcp'): RttContender | undefined {
  return buildC(results) ? cPair(FLOOR, 'raw-server', 'raw-client', net) : undefined;
}

export async function runRpcC(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildC(results)) return;
  for (const net of ['unix', 'tcp'] as const) {
    await runRtt(opts, results, {
      suite: '2. Request/response',
      title: `C ↔ C over ${net}`,
      metricPrefix: `rtt.c-c.${net}`,
      shapes: SHAPES,
      floor: FLOOR,
    }, [cPair('interop', 'server', 'client', net), cPair(FLOOR, 'raw-server', 'raw-client', net)]);
  }
  // shm (docs/wire.md §9): the same C client and server, against the spin floor and against unix;
  // with the default poll after traffic (shm.spin_us 50) and without it (0: sleep at once, ADR 0040).
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'C ↔ C over shm (shared memory), next to unix',
    metricPrefix: 'rtt.c-c.shm',
    shapes: SHAPES,
    floor: SPIN_FLOOR,
  }, [
    cPair('interop over shm', 'server', 'client', 'shm'),
    cPair('interop over shm, spin_us 0', 'server', 'client', 'shm', { BENCH_SHM_SPIN_US: '0' }),
    cPair('interop over unix', 'server', 'client', 'unix'),
    cPair(SPIN_FLOOR, 'spin-server', 'spin-client', 'shm'),
  ]);
  // The goal's setting (issue 15): both processes polling on cores of their own. Pinning gives each
  // side one CPU; it does not keep other processes off them (bench/README.md).
  if (!canPin()) return results.note('C ↔ C over shm, pinned: left out (taskset or a second CPU is missing)');
  const cpus = availableParallelism();
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: 'C ↔ C over shm, client and server pinned to CPUs of their own (taskset)',
    metricPrefix: 'rtt.c-c.shm-pinned',
    shapes: SHAPES,
    floor: `${SPIN_FLOOR}, pinned`,
  }, [
    pinnedPair(cPair('interop over shm', 'server', 'client', 'shm'), cpus),
    pinnedPair(cPair('interop over shm, spin_us 0', 'server', 'client', 'shm', { BENCH_SHM_SPIN_US: '0' }), cpus),
    pinnedPair(cPair(SPIN_FLOOR, 'spin-server', 'spin-client', 'shm'), cpus),
  ]);
}

export async function runRpcCCross(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildC(results)) return;
  const net = 'unix';
  const contenders: RttContender[] = [
    { name: 'C client → Python server', server: pyChild('bench/rpc/py_ours.py', ['server'], { BENCH_NET: net }), client: (a) => cChild('client', { BENCH_ADDRESS: a }) },
    cPair('C client → C server', 'server', 'client', net),
    cPair(FLOOR, 'raw-server', 'raw-client', net),
  ];
  if (haveTs(results)) {
    const ts = (role: string, env: Record<string, string>) => tsChild('bench/rpc/ts-ours.ts', [role], env);
    contenders.unshift(
      { name: 'C client → TS server', server: ts('server', { BENCH_NET: net }), client: (a) => cChild('client', { BENCH_ADDRESS: a }) },
      { name: 'TS client → TS server', server: ts('server', { BENCH_NET: net }), client: (a) => ts('client', { BENCH_ADDRESS: a }) },
    );
  }
  await runRtt(opts, results, {
    suite: '2. Request/response',
    title: `C client → TypeScript and Python servers over ${net}, next to TS ↔ TS`,
    metricPrefix: `rtt.c-x.${net}`,
    shapes: SHAPES,
    floor: FLOOR,
  }, contenders);
}

interface Row {
  shape: string;
  name: string;
  key: string;
  n: number;
  ns: number;
  size?: number;
}

function inproc(mode: string, opts: BenchOptions): { rows: Row[]; notes: string[] } {
  const out = execFileSync(`${OUT}/bench_c_inproc`, [mode, String(opts.warmup), String(opts.reps), opts.smoke ? '1' : '0'], { maxBuffer: 1 << 22 });
  return JSON.parse(out.toString()) as { rows: Row[]; notes: string[] };
}

const shapesOf = (rows: Row[]) => [...new Set(rows.map((r) => r.shape))];

export async function runDirectC(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildC(results)) return;
  const { rows } = inproc('direct', opts);
  for (const shape of shapesOf(rows)) {
    const mine = rows.filter((r) => r.shape === shape);
    const base = mine.find((r) => r.key === 'plain')!.ns;
    const t = results.table('4. Direct call', `C: direct in-process call, ${shape} struct (${mine[0]!.n} calls per batch, CPU time)`, ['contender', 'per call', 'vs plain indirect call']);
    for (const r of mine) {
      results.metric(`direct.c.${shape}.${r.key}`, r.ns);
      t.rows.push([r.name, fmtNs(r.ns), fmtRatio(r.ns / base)]);
    }
  }
}

export async function runCodecsC(opts: BenchOptions, results: Results): Promise<void> {
  if (!buildC(results)) return;
  const { rows: all, notes } = inproc('codecs', opts);
  for (const n of notes) results.note(n);
  const rows = all.filter((r) => !r.key.startsWith('one-'));
  for (const shape of shapesOf(rows)) {
    const mine = rows.filter((r) => r.shape === shape);
    const peer = mine.find((r) => r.key === 'msgpack-c');
    const ours = mine.find((r) => r.key === 'msgpack')!;
    const t = results.table('1. Codecs', `C codecs, ${shape} (${mine[0]!.n} ops per batch, CPU time)`, ['codec', 'size', 'encode+decode', 'vs msgpack-c', 'vs interop msgpack']);
    for (const r of mine) {
      results.metric(`codec.c.${shape}.${r.key}`, r.ns);
      t.rows.push([r.name, fmtBytes(r.size ?? 0), fmtNs(r.ns), peer ? fmtRatio(r.ns / peer.ns) : '–', fmtRatio(r.ns / ours.ns)]);
    }
  }
  // Reading one field (FlatBuffers' zero-copy case) beside a full decode of the same value.
  const one = all.filter((r) => r.key.startsWith('one-'));
  for (const shape of shapesOf(one)) {
    const mine = one.filter((r) => r.shape === shape);
    const msgpack = mine.find((r) => r.key === 'one-msgpack')!;
    const t = results.table('1. Codecs', `C: read one field (id) of ${shape} (${mine[0]!.n} ops per batch, CPU time)`, ['contender', 'size', 'per read', 'vs msgpack full decode']);
    for (const r of mine) {
      results.metric(`codec.c.${shape}.${r.key}`, r.ns);
      const ratio = r.ns / msgpack.ns; // a read of a few ns is thousands of times below a decode: two digits, not 0.00×
      t.rows.push([r.name, fmtBytes(r.size ?? 0), fmtNs(r.ns), ratio < 0.01 ? `${ratio.toPrecision(2)}×` : fmtRatio(ratio)]);
    }
  }
}
