// Compile time of generated Haskell code (docs/haskell.md "Compile times"). Writes a schema of N
// declarations (the mix of bench/compiler-vs-protoc/schema-10k.ts: structs, enums, unions,
// errors, functions), generates its Haskell module, and compiles that module alone with ghc at
// -O0 and at -O1 against the interop-runtime that runtime-haskell/build.sh built (run it first).
// Prints a markdown table: wall time, user CPU time (which load inflates less) and peak memory.
//   node --import tsx bench/haskell/compile-time.ts [N ...]      (default: 100 300)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeSchemas } from '../compiler-vs-protoc/schema-10k.js';

const repo = resolve(import.meta.dirname, '../..');
const ghcVersion = execFileSync('ghc', ['--numeric-version']).toString().trim();
const cache = process.env.INTEROP_CACHE ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'interop');
// runtime-haskell/build.sh's build directory for this clone (keyed on the clone's path).
const builddir = join(cache, 'haskell', 'build', createHash('sha256').update(repo).digest('hex').slice(0, 16));
const packageDb = join(builddir, 'packagedb', `ghc-${ghcVersion}`);

function compile(module: string, opt: string, out: string): { wall: number; user: number; rssMiB: number } {
  const stats = join(out, `time${opt}`);
  execFileSync('/usr/bin/time', ['-f', '%e %U %M', '-o', stats, 'ghc', opt, '-package-db', packageDb, '-package', 'interop-runtime',
    '-c', module, '-outputdir', join(out, `o${opt}`)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const [wall, user, rss] = readFileSync(stats, 'utf8').trim().split(/\s+/).map(Number) as [number, number, number];
  return { wall, user, rssMiB: rss / 1024 };
}

const sizes = process.argv.slice(2).map(Number);
const rows: string[] = [];
for (const n of sizes.length ? sizes : [100, 300]) {
  const dir = mkdtempSync(join(tmpdir(), 'hs-compile-'));
  try {
    const { interop } = writeSchemas(dir, n);
    execFileSync('node', [join(repo, 'compiler/bin/interopc.mjs'), 'gen', '--lang', 'haskell', '--out', join(dir, 'gen'), interop], { stdio: 'ignore' });
    const module = join(dir, 'gen', 'Bench', 'Big.hs');
    const lines = readFileSync(module, 'utf8').split('\n').length;
    for (const opt of ['-O0', '-O1']) {
      const t = compile(module, opt, dir);
      rows.push(`| ${n} | ${lines} | ${opt} | ${t.wall.toFixed(1)} s | ${t.user.toFixed(1)} s | ${t.rssMiB.toFixed(0)} MiB |`);
      process.stderr.write(`${rows.at(-1)}\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`GHC ${ghcVersion}, ${readdirSync('/sys/devices/system/cpu').filter((d) => /^cpu\d+$/.test(d)).length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' / ')} at the end.\n`);
console.log('| declarations | generated lines | flags | wall | user CPU | peak memory |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
