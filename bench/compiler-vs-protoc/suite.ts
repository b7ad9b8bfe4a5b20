// Suite 6: the compiler. `interopc check` and `interopc gen` (which checks too) on a schema of
// 10,000 declarations against `protoc` on the equivalent .proto, for C++ and Python output (ours
// for TypeScript too, without a peer: protobufjs-cli's pbjs did not finish a 200-declaration schema
// in 5 minutes here). All
// are timed as a user runs them: the whole command, start-up included, alternating.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from '../harness/options.js';
import { median, rotated } from '../harness/stats.js';
import { fmtNs, fmtRatio, type Results } from '../harness/results.js';
import { writeSchemas } from './schema-10k.js';

/** A command slower than this is left out; one slower than SLOW_MS is timed once, not repeated. */
const JOB_TIMEOUT_MS = 180_000;
const SLOW_MS = 60_000;

interface Job {
  name: string;
  group: string;
  cmd: string;
  args: (out: string) => string[];
}

function run(job: Job, out: string): { ns: number; ok: boolean; err: string } {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(job.cmd, job.args(out), { encoding: 'utf8', maxBuffer: 1 << 28, timeout: JOB_TIMEOUT_MS });
  const err = r.error ? `${r.error.message}` : r.stderr;
  return { ns: Number(process.hrtime.bigint() - t0), ok: r.status === 0, err: err.trim().slice(0, 300) };
}

export async function runCompiler(opts: BenchOptions, results: Results): Promise<void> {
  const total = opts.smoke ? 200 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'interop-bench-compiler-'));
  try {
    const { interop, proto } = writeSchemas(dir, total);
    const interopc = (args: string[]) => (out: string) => ['compiler/bin/interopc.mjs', ...args.map((a) => (a === 'OUT' ? out : a)), interop];
    const protoc = (flag: string) => (out: string) => [`-I${dir}`, `${flag}=${out}`, proto];
    const candidates: Job[] = [
      { group: 'check', name: 'interopc --help (start-up only)', cmd: process.execPath, args: () => ['compiler/bin/interopc.mjs', '--help'] },
      { group: 'check', name: 'interopc check', cmd: process.execPath, args: interopc(['check']) },
      { group: 'check', name: 'protoc (parse only)', cmd: 'protoc', args: protoc('--descriptor_set_out') },
      { group: 'C++', name: 'interopc gen --lang cpp', cmd: process.execPath, args: interopc(['gen', '--lang', 'cpp', '--out', 'OUT']) },
      { group: 'C++', name: 'protoc --cpp_out', cmd: 'protoc', args: protoc('--cpp_out') },
      { group: 'Python', name: 'interopc gen --lang python', cmd: process.execPath, args: interopc(['gen', '--lang', 'python', '--out', 'OUT']) },
      { group: 'Python', name: 'protoc --python_out', cmd: 'protoc', args: protoc('--python_out') },
      { group: 'TypeScript', name: 'interopc gen --lang ts', cmd: process.execPath, args: interopc(['gen', '--lang', 'ts', '--out', 'OUT']) },
    ];
    // protoc's descriptor_set_out names a file, not a directory.
    candidates[2]!.args = (out) => [`-I${dir}`, `--descriptor_set_out=${join(out, 'set.pb')}`, proto];
    const times = new Map<string, number[]>();
    // bin/interopc.mjs (re)builds its bundle on the first run after a change: not part of the timing.
    spawnSync(process.execPath, ['compiler/bin/interopc.mjs', '--version'], { encoding: 'utf8' });
    const jobs = candidates.filter((j) => {
      const r = run(j, join(dir, 'probe'));
      if (!r.ok) results.note(`compiler: ${j.name} left out: ${r.err.split('\n')[0] || 'failed'}`);
      if (r.ok && r.ns > SLOW_MS * 1e6) {
        times.set(j.name, [r.ns]);
        results.note(`compiler: ${j.name} took ${(r.ns / 1e9).toFixed(0)} s: timed once, not repeated`);
      }
      return r.ok;
    });
    const reps = opts.smoke ? 1 : 5;
    for (let rep = 0; rep < reps; rep++) {
      for (const j of rotated(jobs, rep)) {
        if ((times.get(j.name)?.[0] ?? 0) > SLOW_MS * 1e6) continue; // slow: its one probe run stands
        const r = run(j, join(dir, 'out'));
        (times.get(j.name) ?? times.set(j.name, []).get(j.name)!).push(r.ns);
      }
    }
    const t = results.table('6. Compiler', `Compiler on ${total} declarations (whole command, median of ${reps})`, [
      'output', 'command', 'time', 'vs peer',
    ]);
    for (const group of ['check', 'C++', 'Python', 'TypeScript']) {
      const mine = jobs.filter((j) => j.group === group);
      const p = mine.find((j) => !j.name.startsWith('interopc'));
      const base = p ? median(times.get(p.name)!) : NaN;
      for (const j of mine) {
        const m = median(times.get(j.name)!);
        results.metric(`compiler.${j.name}`, m);
        t.rows.push([group, j.name, fmtNs(m), fmtRatio(m / base)]);
      }
    }
    t.notes.push(
      'interopc runs as bin/interopc.mjs does: from the esbuild bundle of its sources (built before timing; docs/adr/0003); its time includes Node start-up',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
