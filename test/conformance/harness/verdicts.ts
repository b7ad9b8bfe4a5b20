// Known failures and what each case result means against them. A failure that is listed is
// expected; a listed case that passes is an UNEXPECTED PASS and fails the run just like an
// unexpected failure, so the list can only shrink.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComboOutcome } from './combination.js';
import { type Case, CONFORMANCE_DIR, type Combination } from './plan.js';

export interface KnownFailure {
  client: string;
  server: string;
  transport: string;
  codec: string;
  /** A case name, or "*". */
  case?: string;
  /** A feature name from cases.json, as an alternative to listing each case. */
  feature?: string;
  reason: string;
}

/**
 * Every known failure: known-failures.json, plus known-failures.<language>.json for a language
 * whose gaps are listed in a file of their own (branches of different languages then never edit
 * the same lines). Each file shrinks to empty the same way.
 */
export function loadKnownFailures(dir = CONFORMANCE_DIR): KnownFailure[] {
  const own = readdirSync(dir).filter((f) => /^known-failures\.[a-z]+\.json$/.test(f)).sort();
  return ['known-failures.json', ...own].flatMap(
    (f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { failures: KnownFailure[] }).failures,
  );
}

const matches = (pattern: string | undefined, value: string) => pattern === undefined || pattern === '*' || pattern === value;

export function knownFailure(known: KnownFailure[], combo: Combination, c: Case): KnownFailure | undefined {
  return known.find(
    (k) =>
      matches(k.client, combo.client) &&
      matches(k.server, combo.server) &&
      matches(k.transport, combo.transport) &&
      matches(k.codec, combo.codec) &&
      matches(k.case, c.name) &&
      matches(k.feature, c.feature),
  );
}

export type Verdict = 'pass' | 'fail' | 'known' | 'unexpected-pass';

export interface CaseVerdict {
  case: Case;
  verdict: Verdict;
  detail?: string;
  /** The known-failures entry the case matches, if any. */
  listed?: KnownFailure;
}

export interface ComboVerdicts {
  outcome: ComboOutcome;
  cases: CaseVerdict[];
  counts: Record<Verdict, number>;
  /** True when nothing in the combination is an unexpected failure or an unexpected pass. */
  ok: boolean;
}

export function judge(outcome: ComboOutcome, cases: Case[], known: KnownFailure[]): ComboVerdicts {
  const byName = new Map(outcome.results.map((r) => [r.case, r]));
  const counts: Record<Verdict, number> = { pass: 0, fail: 0, known: 0, 'unexpected-pass': 0 };
  const verdicts = cases.map((c): CaseVerdict => {
    const r = byName.get(c.name);
    const listed = knownFailure(known, outcome.combo, c);
    const verdict: Verdict = r?.ok ? (listed ? 'unexpected-pass' : 'pass') : listed ? 'known' : 'fail';
    counts[verdict]++;
    const detail = verdict === 'unexpected-pass' ? `listed in known-failures.json (${listed!.reason}) but passed` : r?.detail;
    return { case: c, verdict, ...(detail !== undefined ? { detail } : {}), ...(listed ? { listed } : {}) };
  });
  return { outcome, cases: verdicts, counts, ok: counts.fail === 0 && counts['unexpected-pass'] === 0 };
}
