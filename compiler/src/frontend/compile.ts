// The front end's entry point: `compile(entryFiles, opts)` loads the files and their imports,
// parses, checks and builds the IR. The bundle is present only when there are no errors.

import { parseFile } from './parse.js';
import { compileWith, type CompileOptions, type CompileResult } from './pipeline.js';

export type { CompileOptions, CompileResult } from './pipeline.js';

export function compile(entryFiles: string[], opts: CompileOptions = {}): CompileResult {
  return compileWith(parseFile, entryFiles, opts);
}
