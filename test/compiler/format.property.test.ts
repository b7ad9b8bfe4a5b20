// Property tests of the formatter on random valid schemas (./arbitrary-schema.ts): formatting is
// idempotent, and re-parsing the formatted text gives the same syntax tree (spans aside).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFile } from '../../compiler/src/frontend/parse.js';
import { formatFile } from '../../compiler/src/frontend/format.js';
import { arbitrarySchema, generateSchema, stripSpans } from './arbitrary-schema.js';

function parseClean(text: string) {
  const r = parseFile(text, 'gen.interop');
  if (r.diagnostics.length) {
    throw new Error(`generated schema has diagnostics:\n${r.diagnostics.map((d) => `${d.span.line}:${d.span.col} ${d.code} ${d.message}`).join('\n')}\n---\n${text}`);
  }
  return r.ast;
}

describe('formatter properties', () => {
  it('the generator produces schemas that parse cleanly', () => {
    fc.assert(fc.property(arbitrarySchema(), (src) => void parseClean(src)), { numRuns: 200 });
  });

  it('fmt is idempotent', () => {
    fc.assert(
      fc.property(arbitrarySchema(), (src) => {
        const once = formatFile(parseClean(src));
        const twice = formatFile(parseClean(once));
        expect(twice).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('parse(fmt(x)) has the same syntax tree as parse(x), spans aside', () => {
    fc.assert(
      fc.property(arbitrarySchema(), (src) => {
        const ast = parseClean(src);
        const again = parseClean(formatFile(ast));
        expect(stripSpans(again)).toEqual(stripSpans(ast));
      }),
      { numRuns: 300 },
    );
  });

  it('formatting a tidy layout changes nothing but whitespace', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 8 }), (seed, size) => {
        const src = generateSchema(seed, { size, comments: false, messyLayout: false });
        const out = formatFile(parseClean(src));
        // Trailing commas come and go: long parameter lists are split, one parameter per line.
        const tokensOf = (s: string) => s.replace(/\s+/g, '').replace(/,([\])}])/g, '$1');
        expect(tokensOf(out)).toBe(tokensOf(src));
      }),
      { numRuns: 200 },
    );
  });
});
