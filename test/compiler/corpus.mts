// The schema corpus shared by test/compiler/corpus.test.ts and scripts/update-goldens.ts.
// Paths are relative to the repository root, so spans and goldens do not depend on the machine.
// An .mts file: always an ES module, so a tsx script outside the ESM packages can import() it.

import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { breakingChanges } from '../../compiler/src/compat/breaking.js';
import { loadVersion } from '../../compiler/src/compat/inputs.js';
import { compile, type CompileResult } from '../../compiler/src/frontend/compile.js';
import type { Diagnostic } from '../../compiler/src/frontend/diagnostic.js';
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
/** One folder per case of `interopc breaking`: old.interop, new.interop, expected.txt. */
export const BREAKING_DIR = 'test/schemas/breaking';

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

/** The case folders of the breaking-change corpus, sorted. */
export function breakingCases(): string[] {
  return readdirSync(path.join(repoRoot(), BREAKING_DIR)).sort().map((d) => `${BREAKING_DIR}/${d}`);
}

/** What `interopc breaking OLD NEW` reports for a case (run from the repository root, like the CLI tests). */
export function breakingOf(dir: string): { diagnostics: Diagnostic[]; sources: Map<string, string> } {
  const old = loadVersion(`${dir}/old.interop`, [], undefined);
  const neu = loadVersion(`${dir}/new.interop`, [], undefined);
  return { diagnostics: breakingChanges(old.version!, neu.version!), sources: new Map([...old.sources, ...neu.sources]) };
}

export function renderBreaking(dir: string): string {
  const { diagnostics, sources } = breakingOf(dir);
  return renderDiagnostics(diagnostics, sources, { format: 'text', color: false });
}

/** Rewrites every invalid schema's golden that differs; returns the exit code. */
export function updateGoldens(log: (line: string) => void): number {
  const root = repoRoot();
  let changed = 0;
  const files = corpusFiles(INVALID_DIR);
  for (const file of files) {
    const result = compileCorpusFile(file, INVALID_DIR);
    if (result.diagnostics.length === 0) {
      log(`${file} has no diagnostics; an invalid schema must fail`);
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
      log(`updated ${expectedPath(file)}`);
    }
  }
  for (const dir of breakingCases()) {
    const target = path.join(root, dir, 'expected.txt');
    const text = renderBreaking(dir);
    if (!existsSync(target) || readFileSync(target, 'utf8') !== text) {
      writeFileSync(target, text);
      changed++;
      log(`updated ${dir}/expected.txt`);
    }
  }
  log(`${files.length + breakingCases().length} goldens, ${changed} updated`);
  return 0;
}
