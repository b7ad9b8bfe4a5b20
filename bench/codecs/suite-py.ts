// Suite 1 (Python): runs bench/codecs/py_codecs.py (which alternates the contenders itself) and
// tabulates what it prints.
import { execFileSync } from 'node:child_process';
import type { BenchOptions } from '../harness/options.js';
import { fmtBytes, fmtNs, fmtRatio, type Results } from '../harness/results.js';

/** A row of a child's codec benchmark (py_codecs.py, bench-haskell codecs): ns per operation. */
export interface ChildCodecRow {
  shape: string;
  name: string;
  n: number;
  size: number;
  encode_ns: number;
  decode_ns: number;
}

export async function runCodecsPy(opts: BenchOptions, results: Results): Promise<void> {
  const out = execFileSync('bench/.venv/bin/python', ['bench/codecs/py_codecs.py', String(opts.warmup), String(opts.reps), opts.smoke ? '1' : '0'], {
    maxBuffer: 1 << 24,
  }).toString();
  codecTables(results, 'Python', 'py', out);
}

/** One table per shape from a child's JSON line; our rows are those named `interop…`. */
export function codecTables(results: Results, language: string, metricLang: string, out: string): void {
  const { rows, notes } = JSON.parse(out) as { rows: ChildCodecRow[]; notes: string[] };
  for (const n of new Set(notes)) results.note(n);
  for (const shape of [...new Set(rows.map((r) => r.shape))]) {
    const mine = rows.filter((r) => r.shape === shape);
    const peers = mine.filter((r) => !r.name.startsWith('interop'));
    const best = Math.min(...peers.map((r) => r.encode_ns + r.decode_ns));
    const t = results.table('1. Codecs', `${language} codecs, ${shape} (${mine[0]!.n} ops per batch)`, [
      'codec', 'size', 'encode', 'decode', 'encode+decode', 'vs fastest peer',
    ]);
    for (const r of mine) {
      const sum = r.encode_ns + r.decode_ns;
      t.rows.push([r.name, fmtBytes(r.size), fmtNs(r.encode_ns), fmtNs(r.decode_ns), fmtNs(sum), fmtRatio(sum / best)]);
      results.metric(`codec.${metricLang}.${shape}.${r.name}`, sum);
    }
  }
}
