// Times `interopc check` and `interopc manifest` on a generated schema of 10,000 declarations
// (structs, enums, unions, errors, aliases, constants, functions, events in realistic proportions)
// split over a main file and an imported one. Runs the compiler in-process: one warm-up run, then
// the median of 5. Also times the real CLI once, end to end (`check`, and `gen --lang ts`). Not a
// test; prints figures.
//   npx tsx bench/compiler/check-10k.ts        (KEEP_SCHEMA=1 keeps the generated files)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { compile } from '../../compiler/src/frontend/compile.js';

const TOTAL = 10_000;
/** Shares of each declaration kind, per 100. */
const MIX = { struct: 35, enum: 10, union: 8, error: 5, alias: 5, const: 5, fn: 22, event: 10 };

function generate(dir: string): { main: string; lines: number } {
  const common: string[] = ['module bench.common version "1.0.0";', ''];
  for (let i = 0; i < 20; i++) {
    common.push(`struct Shared${i} {`, '  1: id: u64;', '  2: name: string;', '  3: tags: list<string>;', '}', '');
  }
  writeFileSync(path.join(dir, 'common.interop'), common.join('\n'));

  const out: string[] = ['/// Generated for the compiler benchmark.', 'module bench.big version "1.0.0";', '', 'import "common.interop";', ''];
  const counts = Object.fromEntries(Object.entries(MIX).map(([k, v]) => [k, Math.round((TOTAL * v) / 100)])) as Record<
    keyof typeof MIX,
    number
  >;
  const n = counts;
  for (let i = 0; i < n.enum; i++) {
    out.push(`enum Enum${i} {`, '  UNKNOWN = 0;', '  FIRST = 1;', '  SECOND = 2;', '  THIRD = 3;', '}', '');
  }
  for (let i = 0; i < n.alias; i++) out.push(`type Alias${i} = ${i % 2 ? 'u64' : `list<Enum${i % n.enum}>`};`, '');
  for (let i = 0; i < n.struct; i++) {
    out.push(
      `/// Struct number ${i}.`,
      `struct Struct${i} {`,
      '  1: id: u64;',
      '  2: name: string = "";',
      `  3: kind: Enum${i % n.enum} = Enum${i % n.enum}.FIRST;`,
      `  4: parent?: Struct${i};`,
      `  5: children: list<Struct${(i * 7) % n.struct}>;`,
      `  6: attrs: map<string, Alias${i % n.alias}>;`,
      `  7: shared: common.Shared${i % 20};`,
      i > 0 ? `  8: prev: Struct${i - 1};` : '  8: first: bool;',
      '}',
      '',
    );
  }
  for (let i = 0; i < n.union; i++) {
    out.push(`union Union${i} {`, `  1: a: Struct${i % n.struct};`, '  2: b: string;', '  3: c: list<f64>;', '  4: nothing;', '}', '');
  }
  for (let i = 0; i < n.error; i++) out.push(`error Error${i} {`, '  1: message: string;', '  2: code: i32;', '}', '');
  for (let i = 0; i < n.const; i++) out.push(`const CONST_${i}: u32 = ${i};`);
  out.push('');
  for (let i = 0; i < n.fn; i++) {
    const s = `Struct${i % n.struct}`;
    if (i % 5 === 4) out.push(`oneway fn notify${i}(1: item: ${s});`);
    else out.push(`/// Function ${i}.`, `fn call${i}(1: item: ${s}, 2: limit?: u32) -> list<${s}> throws Error${i % n.error};`);
  }
  out.push('');
  for (let i = 0; i < n.event; i++) out.push(`event event${i}: Union${i % n.union};`);
  out.push('');
  const main = path.join(dir, 'big.interop');
  writeFileSync(main, out.join('\n'));
  return { main, lines: out.length };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void, runs = 5): number {
  fn(); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    ms.push(performance.now() - t0);
  }
  return median(ms);
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), 'interopc-bench-'));
  try {
    const { main: file, lines } = generate(dir);
    const first = compile([file]);
    if (!first.bundle) {
      process.stderr.write(`the generated schema does not compile: ${first.diagnostics.slice(0, 3).map((d) => d.message).join('; ')}\n`);
      process.exitCode = 1;
      return;
    }
    const decls = first.bundle.modules.reduce(
      (sum, m) => sum + m.types.length + m.consts.length + m.functions.length + m.events.length,
      0,
    );
    const check = time(() => {
      compile([file]);
    });
    let bytes = 0;
    const manifest = time(() => {
      bytes = JSON.stringify(compile([file]).bundle, null, 2).length;
    });
    const bin = path.resolve('compiler/bin/interopc.mjs');
    spawnSync(process.execPath, [bin, '--version']); // builds the CLI's bundle if the sources changed
    const t0 = performance.now();
    const cli = spawnSync(process.execPath, [bin, 'check', file], { encoding: 'utf8' });
    const cliMs = performance.now() - t0;
    const t1 = performance.now();
    const gen = spawnSync(process.execPath, [bin, 'gen', '--lang', 'ts', '--out', path.join(dir, 'gen-ts'), file], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    const genMs = performance.now() - t1;

    process.stdout.write(
      [
        `schema: ${decls} declarations, ${lines} lines (+ an imported module)`,
        `machine: ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, node ${process.version}, ` +
          `load average ${loadavg()[0]!.toFixed(1)} (figures are only comparable on an idle machine)`,
        `check    (in-process, median of 5): ${check.toFixed(0)} ms`,
        `manifest (in-process, median of 5): ${manifest.toFixed(0)} ms (${(bytes / 1e6).toFixed(1)} MB of JSON)`,
        `interopc check (CLI, one run, incl. node start-up): ${cliMs.toFixed(0)} ms, exit ${cli.status}`,
        `interopc gen --lang ts (CLI, one run): ${genMs.toFixed(0)} ms, exit ${gen.status}`,
        '',
      ].join('\n'),
    );
  } finally {
    if (process.env['KEEP_SCHEMA']) process.stdout.write(`schema kept in ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

main();
