// The conformance matrix command: every client × server × transport × codec of languages.json,
// each running every case of cases.json. Prints the matrix, writes docs/matrix.md (full runs
// only, so the test suite's quick runs never rewrite the docs), and exits non-zero on any
// unexpected failure or unexpected pass.
//
//   npx tsx test/conformance/run.ts [--quick] [--lang ts,python] [--transport ws,http] [--column cpp] [--no-write]

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prepareLanguages, runOne, setupMatrix } from './harness/matrix.js';
import { comboName, REPO_ROOT } from './harness/plan.js';
import { matrixMarkdown, terminalReport } from './harness/report.js';
import type { ComboVerdicts } from './harness/verdicts.js';

function parseArgs(argv: string[]) {
  const quick = argv.includes('--quick');
  const noWrite = argv.includes('--no-write');
  const langAt = argv.indexOf('--lang');
  const languages = langAt >= 0 ? argv[langAt + 1]?.split(',') : undefined;
  const transportAt = argv.indexOf('--transport');
  const transports = transportAt >= 0 ? argv[transportAt + 1]?.split(',') : undefined;
  const columnAt = argv.indexOf('--column');
  const column = columnAt >= 0 ? argv[columnAt + 1] : undefined;
  return { quick, noWrite, languages, transports, column };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const log = (s: string) => console.log(s);
  const setup = setupMatrix({ quick: args.quick, ...(args.languages ? { languages: args.languages } : {}) });
  // A partial run (some transports) checks them; only a whole run may rewrite docs/matrix.md.
  if (args.transports) setup.combos = setup.combos.filter((c) => args.transports!.includes(c.transport));
  // One language's column: only the combinations where it is the client or the server.
  if (args.column) setup.combos = setup.combos.filter((c) => c.client === args.column || c.server === args.column);
  log(`conformance: ${setup.combos.length} combinations × ${setup.cases.length} cases${args.quick ? ' (quick)' : ''}`);

  const prepareErrors = await prepareLanguages(setup.languages, log);
  const all: ComboVerdicts[] = [];
  for (const combo of setup.combos) {
    const v = await runOne(setup, combo, prepareErrors, log);
    log(`${v.ok ? 'ok    ' : 'FAILED'} ${comboName(combo)}  ${v.counts.pass} passed, ${v.counts.fail} failed, ${v.counts.known} known, ${v.counts['unexpected-pass']} unexpected passes`);
    all.push(v);
  }

  log('');
  log(terminalReport(all));
  if (!args.quick && !args.noWrite && !args.languages && !args.transports && !args.column) {
    const path = join(REPO_ROOT, 'docs', 'matrix.md');
    writeFileSync(path, matrixMarkdown(all, setup.languages, setup.cases, false));
    log(`wrote ${path}`);
  }
  const failed = all.filter((v) => !v.ok).length;
  log(failed === 0 ? 'conformance: all combinations as expected' : `conformance: ${failed} combination(s) FAILED`);
  return failed === 0 ? 0 : 1;
}

process.exitCode = await main();
