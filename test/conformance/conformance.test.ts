// The quick conformance matrix inside vitest: one test per client × server × transport × codec.
// A test fails on any unexpected failure or unexpected pass (test/conformance/known-failures.json).

import { beforeAll, describe, expect, it } from 'vitest';
import { type MatrixSetup, prepareLanguages, runOne, setupMatrix } from './harness/matrix.js';
import { comboName } from './harness/plan.js';
import { terminalReport } from './harness/report.js';

const setup: MatrixSetup = setupMatrix({ quick: true });
let prepareErrors = new Map<string, string>();
const quiet = () => {};

describe('conformance matrix (quick)', () => {
  beforeAll(async () => {
    prepareErrors = await prepareLanguages(setup.languages, quiet);
  }, 600_000);

  it('plans at least one combination per language that has a client and a server', () => {
    expect(setup.combos.length).toBeGreaterThan(0);
  });

  for (const combo of setup.combos) {
    it(comboName(combo), async () => {
      const v = await runOne(setup, combo, prepareErrors, quiet);
      // The report names each unexpected case, so a red test says exactly what broke.
      expect(v.ok, terminalReport([v])).toBe(true);
    }, 300_000);
  }
});
