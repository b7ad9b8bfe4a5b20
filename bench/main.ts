// The benchmark driver: runs every suite (or those named with --only=a,b), prints the tables and
// the goals, and writes bench/RESULTS.md (bench/out/RESULTS-smoke.md in --smoke mode).
import { mkdirSync } from 'node:fs';
import { parseOptions, type BenchOptions } from './harness/options.js';
import { Results } from './harness/results.js';
import { loadAvg, machineInfo } from './harness/machine.js';
import { goalsText, textTable, writeMarkdown } from './harness/report.js';
import { evaluateGoals } from './goals.js';
import { runCodecsTs } from './codecs/suite-ts.js';
import { runCodecsPy } from './codecs/suite-py.js';
import { runCodecsHs } from './codecs/suite-hs.js';
import { runRpcTs } from './rpc/suite-ts.js';
import { runRpcHs } from './rpc/suite-hs.js';
import { runEventsSuite } from './events/suite.js';
import { runStreams } from './streams/suite.js';
import { runStdio } from './stdio/suite.js';
import { runDirect } from './direct/suite.js';
import { runCompiler } from './compiler-vs-protoc/suite.js';
import { runRpcPy, runRpcPyShm, runRpcTsPy } from './rpc/suite-py.js';
import { runWebC, runWebPy, runWebTs } from './web/suite.js';
import { runCodecsC, runDirectC, runRpcC, runRpcCCross } from './c/suite.js';
import { runCodecsCpp, runRpcCpp } from './cpp/suite.js';
import { runRpcD } from './d/suite.js';

type Suite = (opts: BenchOptions, results: Results) => Promise<void>;

const SUITES: [string, Suite][] = [
  ['codecs-ts', runCodecsTs],
  ['codecs-py', runCodecsPy],
  ['codecs-hs', runCodecsHs],
  ['codecs-c', runCodecsC],
  ['codecs-cpp', runCodecsCpp],
  ['rpc-ts', runRpcTs],
  ['rpc-py', runRpcPy],
  ['rpc-py-shm', runRpcPyShm],
  ['rpc-ts-py', runRpcTsPy],
  ['rpc-hs', runRpcHs],
  ['rpc-c', runRpcC],
  ['rpc-c-cross', runRpcCCross],
  ['rpc-cpp', runRpcCpp],
  ['rpc-d', runRpcD],
  ['events', runEventsSuite],
  ['streams', runStreams],
  ['direct', runDirect],
  ['direct-c', runDirectC],
  ['stdio', runStdio],
  ['web-ts', runWebTs],
  ['web-py', runWebPy],
  ['web-c', runWebC],
  ['compiler', runCompiler],
];

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const opts = parseOptions(argv);
  const machine = machineInfo();
  const results = new Results();
  let failed = 0;
  for (const [name, suite] of SUITES) {
    if (opts.only.length && !opts.only.includes(name)) continue;
    process.stderr.write(`[bench] ${name}${opts.smoke ? ' (smoke)' : ''}\n`);
    const before = results.tables.length;
    try {
      await suite(opts, results);
    } catch (e) {
      failed++;
      results.note(`suite ${name} failed: ${(e as Error).stack ?? e}`);
    }
    for (const t of results.tables.slice(before)) console.log(textTable(t) + '\n');
  }
  machine.loadEnd = loadAvg();
  const goals = evaluateGoals(results.metrics);
  console.log('== Goals\n' + goalsText(goals));
  mkdirSync('bench/out', { recursive: true });
  const path = opts.smoke ? 'bench/out/RESULTS-smoke.md' : opts.only.length ? 'bench/out/RESULTS-partial.md' : 'bench/RESULTS.md';
  writeMarkdown(path, results, machine, goals, opts.smoke, `npm run bench -- ${argv.join(' ')}`.trim());
  console.log(`\nwrote ${path}${failed ? `; ${failed} suite(s) failed` : ''}`);
  return failed ? 1 : 0;
}

process.exitCode = await main();
