// Regenerates the expected diagnostics of the invalid-schema corpus:
// test/schemas/invalid/*.expected.txt. Run from the repository root:
//   npx tsx scripts/update-goldens.ts      (or: npm run goldens)
// Review the diff before committing: a changed golden is a changed error message.

import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  compileCorpusFile,
  corpusFiles,
  expectedPath,
  INVALID_DIR,
  renderExpected,
  repoRoot,
} from '../test/compiler/corpus.js';

function main(): number {
  const root = repoRoot();
  let changed = 0;
  const files = corpusFiles(INVALID_DIR);
  for (const file of files) {
    const result = compileCorpusFile(file, INVALID_DIR);
    if (result.diagnostics.length === 0) {
      process.stderr.write(`update-goldens: ${file} has no diagnostics; an invalid schema must fail\n`);
      return 1;
    }
    const target = path.join(root, expectedPath(file));
    const text = renderExpected(result);
    let old: string | undefined;
    try {
      old = readFileSync(target, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) {
      writeFileSync(target, text);
      changed++;
      process.stdout.write(`updated ${expectedPath(file)}\n`);
    }
  }
  process.stdout.write(`${files.length} goldens, ${changed} updated\n`);
  return 0;
}

process.exitCode = main();
