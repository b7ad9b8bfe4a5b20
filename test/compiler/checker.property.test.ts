// Property tests of the checker on random valid schemas (./arbitrary-schema.ts): they compile
// without a diagnostic, their manifests match docs/ir.schema.json, and formatting changes nothing
// in the IR but spans (so not the fingerprint either).

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../compiler/src/frontend/compile.js';
import { formatFile } from '../../compiler/src/frontend/format.js';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { arbitrarySchema } from './arbitrary-schema.js';
import { corpusFiles, repoRoot, VALID_DIR } from './corpus.mjs';

function compileText(text: string) {
  return compile(['gen.interop'], { readFile: (p) => (p === 'gen.interop' ? text : undefined) });
}

function withoutSpans(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSpans);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== 'span' && v !== undefined) out[k] = withoutSpans(v);
    return out;
  }
  return value;
}

function describeDiagnostics(text: string, r: ReturnType<typeof compileText>): string {
  return `${r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code} ${d.message}`).join('\n')}\n---\n${text}`;
}

const Ajv2020 = (Ajv2020Module as unknown as { default?: typeof Ajv2020Module }).default ?? Ajv2020Module;
const ajv = new Ajv2020({ allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(path.join(repoRoot(), 'docs/ir.schema.json'), 'utf8')) as object);

describe('checker properties', { timeout: 120_000 }, () => {
  it('random valid schemas compile cleanly and their manifests match the JSON Schema', () => {
    fc.assert(
      fc.property(arbitrarySchema(), (src) => {
        const r = compileText(src);
        if (!r.bundle) throw new Error(describeDiagnostics(src, r));
        if (!validate(JSON.parse(JSON.stringify(r.bundle)))) throw new Error(ajv.errorsText(validate.errors));
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on broken input: random cuts and splices of valid schemas', () => {
    const corpus = corpusFiles(VALID_DIR).map((f) => readFileSync(path.join(repoRoot(), f), 'utf8'));
    fc.assert(
      fc.property(
        fc.constantFrom(...corpus),
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom('', ';', '}', '{', '<', '.', ' x ', '= 1', ':')), {
          minLength: 1,
          maxLength: 4,
        }),
        (text, edits) => {
          let broken = text;
          for (const [at, len, insert] of edits) {
            const i = at % (broken.length + 1);
            broken = broken.slice(0, i) + insert + broken.slice(i + len);
          }
          const r = compileText(broken);
          for (const d of r.diagnostics) expect(d.code).toMatch(/^E0[1-5]\d\d$/);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('compile(x) and compile(fmt(x)) give the same IR modulo spans', () => {
    fc.assert(
      fc.property(arbitrarySchema(), (src) => {
        const before = compileText(src);
        if (!before.bundle) throw new Error(describeDiagnostics(src, before));
        const formatted = formatFile(parseFile(src, 'gen.interop').ast);
        const after = compileText(formatted);
        if (!after.bundle) throw new Error(describeDiagnostics(formatted, after));
        expect(withoutSpans(after.bundle)).toEqual(withoutSpans(before.bundle));
      }),
      { numRuns: 150 },
    );
  });
});
