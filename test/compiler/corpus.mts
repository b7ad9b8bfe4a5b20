// The schema corpus shared by test/compiler/corpus.test.ts and scripts/update-goldens.ts.
// Paths are relative to the repository root, so spans and goldens do not depend on the machine.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { compile, type CompileResult } from '../../compiler/src/frontend/compile.js';
import { renderDiagnostics } from '../../compiler/src/frontend/render.js';

/** The repository root: the nearest directory above the working directory with compiler/ and test/schemas/. */
export function repoRoot(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'compiler', 'src')) && existsSync(path.join(dir, 'test', 'schemas'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('run from inside the repository');
  }
}

export const VALID_DIR = 'test/schemas/valid';
export const INVALID_DIR = 'test/schemas/invalid';

/** The top-level .interop files of a corpus directory (not its include/ helpers), sorted. */
export function corpusFiles(dir: string): string[] {
  return readdirSync(path.join(repoRoot(), dir))
    .filter((f) => f.endsWith('.interop'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

export function compileCorpusFile(file: string, dir: string): CompileResult {
  const root = repoRoot();
  return compile([file], {
    includeDirs: [`${dir}/include`],
    readFile: (p) => {
      try {
        return readFileSync(path.resolve(root, p), 'utf8');
      } catch {
        return undefined;
      }
    },
  });
}

/** The golden file next to an invalid schema. */
export function expectedPath(file: string): string {
  return file.replace(/\.interop$/, '.expected.txt');
}

/** What the golden holds: the rendered text diagnostics, without color. */
export function renderExpected(result: CompileResult): string {
  return renderDiagnostics(result.diagnostics, result.sources, { format: 'text', color: false });
}
