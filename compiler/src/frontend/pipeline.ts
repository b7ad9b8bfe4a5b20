// The compile pipeline with the parser passed in: load → scopes → checks and IR → fingerprints and
// compatibility tables.
// ./compile.ts wires in the real parser; tests can feed hand-built syntax trees.

import { assignCompat } from '../compat/describe.js';
import { IR_VERSION, type Bundle } from '../ir/types.js';
import { buildModules } from './build-ir.js';
import type { Diagnostic } from './diagnostic.js';
import { assignFingerprints } from './fingerprint.js';
import { loadFiles, type LoadOptions, type ParseFn } from './loader.js';
import { Reporter, sortDiagnostics } from './report.js';
import { buildScopes } from './scopes.js';

export type CompileOptions = LoadOptions;

export interface CompileResult {
  /** Present only when there are no errors. */
  bundle?: Bundle;
  /** The parser's and the checker's diagnostics, sorted by file and position. */
  diagnostics: Diagnostic[];
  /** The text of every file read, keyed by the path used in spans (for rendering diagnostics). */
  sources: Map<string, string>;
}

export function compileWith(parse: ParseFn, entryFiles: string[], opts: CompileOptions): CompileResult {
  const reporter = new Reporter();
  const loaded = loadFiles(entryFiles, opts, parse, reporter);
  const program = buildScopes(loaded, reporter);
  const modules = buildModules(program, reporter);
  const diagnostics = sortDiagnostics(reporter.diagnostics);
  const hasErrors = diagnostics.some((d) => d.severity === 'error');
  // A file without a module header yields no module; the parser reports that as an error.
  if (hasErrors || modules.length !== loaded.files.length) return { diagnostics, sources: loaded.sources };
  assignFingerprints(modules);
  assignCompat(modules);
  const bundle: Bundle = { irVersion: IR_VERSION, modules, roots: program.roots.map((m) => m.name) };
  return { bundle, diagnostics, sources: loaded.sources };
}
