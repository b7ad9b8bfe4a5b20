// The TS target lays its code out itself (prettier runs only with `interopc gen --format`), so its
// output must already be what prettier would print: for every valid schema of the corpus,
// formatting the generated files with the options of --format changes nothing.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { REPO, compileBundle, generateTs } from './generated.js';

const VALID = join(REPO, 'test/schemas/valid');
const schemas = readdirSync(VALID).filter((f) => f.endsWith('.interop'));

describe('generated TypeScript is laid out as prettier would', () => {
  it.each(schemas)('%s', async (schema) => {
    const files = await generateTs(compileBundle([join('test/schemas/valid', schema)]));
    for (const f of files) {
      const formatted = await prettier.format(f.content, { parser: 'typescript', singleQuote: true, printWidth: 110 });
      expect(f.content, f.path).toBe(formatted);
    }
  }, 60_000);

  it('--format gives the same files', async () => {
    const bundle = compileBundle(['test/schemas/valid/chat.interop']);
    const { tsTarget } = await import('../../compiler/src/targets/ts/index.js');
    const sourceNames = Object.fromEntries(bundle.modules.map((m) => [m.name, m.file.split('/').pop()!]));
    const plain = await tsTarget.generate(bundle, { sourceNames });
    const formatted = await tsTarget.generate(bundle, { sourceNames, format: true });
    expect(formatted).toEqual(plain);
  }, 60_000);
});
