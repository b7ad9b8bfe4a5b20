// Test helper: compiles .interop files with the real front end, generates TypeScript with the TS
// target, writes it under test/ts/out/ and imports it. The generated import of '@interop/runtime'
// is pointed at runtime-ts/src so the test and the generated code share one runtime instance.

import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { compile } from '../../compiler/src/frontend/compile.js';
import type { Bundle } from '../../compiler/src/ir/types.js';
import { tsTarget } from '../../compiler/src/targets/ts/index.js';
import type { GeneratedFile } from '../../compiler/src/targets/target.js';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const RUNTIME_SRC = join(REPO, 'runtime-ts/src/index.js');

/** Shared imports of the schema corpus (`import "common.interop"`). */
const INCLUDE = join(REPO, 'test/schemas/valid/include');

export function compileBundle(files: string[], includeDirs: string[] = [INCLUDE]): Bundle {
  const r = compile(files.map((f) => resolve(REPO, f)), { includeDirs });
  if (r.bundle === undefined) throw new Error(`compile failed: ${JSON.stringify(r.diagnostics).slice(0, 2000)}`);
  return r.bundle;
}

export async function generateTs(bundle: Bundle): Promise<GeneratedFile[]> {
  const sourceNames = Object.fromEntries(bundle.modules.map((m) => [m.name, basename(m.file)]));
  return tsTarget.generate(bundle, { sourceNames });
}

/** Writes generated files to test/ts/out/<name>/ and returns that directory. */
export function writeGenerated(name: string, files: GeneratedFile[], runtimeImport = RUNTIME_SRC): string {
  const dir = join(REPO, 'test/ts/out', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    const text = runtimeImport === '@interop/runtime' ? f.content : f.content.replace(`from '@interop/runtime'`, `from '${runtimeImport}'`);
    writeFileSync(join(dir, f.path), text);
  }
  return dir;
}

/** Generates, writes and imports the module file of `moduleName`. */
export async function importGenerated(name: string, files: string[], moduleName: string): Promise<Record<string, unknown>> {
  const bundle = compileBundle(files);
  const dir = writeGenerated(name, await generateTs(bundle));
  return (await import(pathToFileURL(join(dir, `${moduleName}.ts`)).href)) as Record<string, unknown>;
}
