// `interopc breaking`: every case folder of test/schemas/breaking reports exactly its checked-in
// diagnostics (regenerate with `npm run goldens`), the E-named ones their own code, the
// compatible one nothing, and together they cover every breaking code.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BREAKING_CODES } from '../../compiler/src/compat/codes.js';
import { breakingCases, breakingOf, renderBreaking, repoRoot } from './corpus.mjs';

const cases = breakingCases();

describe('breaking changes', () => {
  it.each(cases)('%s gives its expected diagnostics', (dir) => {
    expect(renderBreaking(dir)).toBe(readFileSync(path.join(repoRoot(), dir, 'expected.txt'), 'utf8'));
  });

  it.each(cases.filter((d) => /\/E\d{4}-/.test(d)))('%s reports its own code, and only breaking codes', (dir) => {
    const codes = breakingOf(dir).diagnostics.map((d) => d.code);
    expect(codes).toContain(/\/(E\d{4})-/.exec(dir)![1]);
    for (const c of codes) expect(Object.keys(BREAKING_CODES)).toContain(c);
  });

  it('reports nothing for compatible changes', () => {
    expect(breakingOf('test/schemas/breaking/compatible').diagnostics).toEqual([]);
  });

  it('covers every breaking code', () => {
    const seen = new Set(cases.flatMap((d) => breakingOf(d).diagnostics.map((x) => x.code)));
    expect(Object.keys(BREAKING_CODES).filter((c) => !seen.has(c))).toEqual([]);
  });
});
