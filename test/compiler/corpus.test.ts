// The schema corpus: every valid schema compiles without a diagnostic and its manifest matches
// docs/ir.schema.json; every invalid schema produces exactly its checked-in diagnostics
// (regenerate with `npm run goldens`), and together they exercise every checker code.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { CHECKER_CODES } from '../../compiler/src/frontend/codes.js';
import {
  compileCorpusFile,
  corpusFiles,
  expectedPath,
  INVALID_DIR,
  renderExpected,
  repoRoot,
  VALID_DIR,
} from './corpus.mjs';

const root = repoRoot();
const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const ajv = new Ajv2020({ allErrors: true });
const validateBundle = ajv.compile(JSON.parse(readFileSync(path.join(root, 'docs/ir.schema.json'), 'utf8')) as object);

const valid = [...corpusFiles(VALID_DIR), ...corpusFiles(`${VALID_DIR}/include`)];
const invalid = corpusFiles(INVALID_DIR);

describe('valid schemas', () => {
  it('there are at least a dozen', () => {
    expect(valid.length).toBeGreaterThanOrEqual(12);
  });

  it.each(valid)('%s compiles cleanly and its manifest matches the schema', (file) => {
    const result = compileCorpusFile(file, VALID_DIR);
    expect(renderExpected(result)).toBe('');
    expect(result.diagnostics).toEqual([]);
    const bundle = JSON.parse(JSON.stringify(result.bundle)) as unknown;
    const ok = validateBundle(bundle);
    expect(ajv.errorsText(validateBundle.errors)).toBe('No errors');
    expect(ok).toBe(true);
  });
});

describe('invalid schemas', () => {
  it.each(invalid)('%s gives its expected diagnostics', (file) => {
    const result = compileCorpusFile(file, INVALID_DIR);
    expect(result.bundle).toBeUndefined();
    expect(result.diagnostics.length).toBeGreaterThan(0);
    const expected = readFileSync(path.join(root, expectedPath(file)), 'utf8');
    expect(renderExpected(result)).toBe(expected);
  });

  it('each E-named file reports its own code', () => {
    for (const file of invalid) {
      const code = /\/(E\d{4})-/.exec(file)?.[1];
      if (!code) continue;
      const codes = compileCorpusFile(file, INVALID_DIR).diagnostics.map((d) => d.code);
      expect(codes, file).toContain(code);
    }
  });

  it('covers every checker code (E0200, an unreadable input, is covered by the CLI tests)', () => {
    const seen = new Set<string>();
    for (const file of invalid) for (const d of compileCorpusFile(file, INVALID_DIR).diagnostics) seen.add(d.code);
    const missing = Object.keys(CHECKER_CODES).filter((c) => c !== 'E0200' && !seen.has(c));
    expect(missing).toEqual([]);
  });

  it('has several files with more than one error', () => {
    const multi = invalid.filter((f) => compileCorpusFile(f, INVALID_DIR).diagnostics.length >= 5);
    expect(multi.length).toBeGreaterThanOrEqual(3);
  });
});
