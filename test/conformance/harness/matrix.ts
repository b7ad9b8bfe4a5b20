// The whole matrix as a library, shared by run.ts (the command) and conformance.test.ts (vitest):
// prepare each language once, then run the combinations one after another (the machines have two
// cores; parallel combinations would only measure contention).

import { join } from 'node:path';
import { type ComboOutcome, runCombination } from './combination.js';
import {
  type Case,
  casesFor,
  type Combination,
  CONFORMANCE_DIR,
  type Language,
  loadCases,
  loadLanguages,
  planCombinations,
  REPO_ROOT,
  selectCases,
} from './plan.js';
import { run } from './processes.js';
import { type ComboVerdicts, judge, type KnownFailure, loadKnownFailures } from './verdicts.js';

export interface MatrixSetup {
  languages: Language[];
  combos: Combination[];
  cases: Case[];
  known: KnownFailure[];
  quick: boolean;
  casesPath: string;
}

export function setupMatrix(opts: { quick: boolean; languages?: string[] }): MatrixSetup {
  const languages = loadLanguages();
  const chosen = opts.languages ? languages.filter((l) => opts.languages!.includes(l.name)) : languages;
  return {
    languages: chosen,
    combos: planCombinations(chosen, { pairwise: opts.quick }),
    cases: selectCases(loadCases(), opts.quick),
    known: loadKnownFailures(),
    quick: opts.quick,
    casesPath: join(CONFORMANCE_DIR, 'cases.json'),
  };
}

/** Runs each language's prepare commands; returns an error text per language that failed. */
export async function prepareLanguages(languages: Language[], log: (s: string) => void): Promise<Map<string, string>> {
  const errors = new Map<string, string>();
  for (const lang of languages) {
    for (const argv of lang.prepare) {
      log(`prepare ${lang.name}: ${argv.join(' ')}`);
      const r = await run(argv, { cwd: REPO_ROOT, timeoutMs: 10 * 60_000 });
      if (r.code !== 0) {
        const why = `prepare failed (${argv.join(' ')}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`;
        errors.set(lang.name, why);
        log(`  ${why}`);
        break;
      }
    }
  }
  return errors;
}

export async function runOne(
  setup: MatrixSetup,
  combo: Combination,
  prepareErrors: Map<string, string>,
  log: (s: string) => void,
): Promise<ComboVerdicts> {
  const byName = new Map(setup.languages.map((l) => [l.name, l]));
  const outcome: ComboOutcome = await runCombination(combo, byName.get(combo.client)!, byName.get(combo.server)!, {
    repoRoot: REPO_ROOT,
    cases: casesFor(combo, setup.cases),
    casesPath: setup.casesPath,
    quick: setup.quick,
    prepareError: prepareErrors.get(combo.client) ?? prepareErrors.get(combo.server),
    log,
  });
  return judge(outcome, casesFor(combo, setup.cases), setup.known);
}
