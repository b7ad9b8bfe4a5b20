// Loads the entry files and, transitively, every file they import; parses each once. An import
// path is looked up relative to the importing file first, then in each -I directory in order.
// Reports missing files (E0200 for an entry, E0205 for an import) and import cycles (E0206), and
// returns the files in topological order: every file after the files it imports.

import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { FileNode, ImportNode } from './ast.js';
import type { Diagnostic } from './diagnostic.js';
import { fileSpan, type Reporter } from './report.js';

export type ParseFn = (text: string, file: string) => { ast: FileNode; diagnostics: Diagnostic[] };

export interface LoadOptions {
  includeDirs?: string[];
  /** Returns the file's text, or undefined if it cannot be read. Defaults to the file system. */
  readFile?: (path: string) => string | undefined;
}

export interface LoadedFile {
  /** The path as shown in diagnostics and in the IR: as given, or joined from the importer's. */
  path: string;
  ast: FileNode;
  /** For each of `ast.imports`, the loaded file it names, or undefined if it was not found. */
  imports: Array<LoadedFile | undefined>;
}

export interface LoadResult {
  /** Topological order: each file comes after every file it imports (cycles broken arbitrarily). */
  files: LoadedFile[];
  /** The entry files that could be read, in command-line order, without duplicates. */
  entries: LoadedFile[];
  sources: Map<string, string>;
}

export function defaultReadFile(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

export function loadFiles(
  entryPaths: string[],
  opts: LoadOptions,
  parse: ParseFn,
  reporter: Reporter,
): LoadResult {
  const readFile = opts.readFile ?? defaultReadFile;
  const includeDirs = opts.includeDirs ?? [];
  const sources = new Map<string, string>();
  /** Keyed by absolute path, so two spellings of one file load it once. */
  const byIdentity = new Map<string, LoadedFile>();
  const pending: LoadedFile[] = [];

  const load = (displayPath: string, text: string): LoadedFile => {
    sources.set(displayPath, text);
    const { ast, diagnostics } = parse(text, displayPath);
    reporter.diagnostics.push(...diagnostics);
    const file: LoadedFile = {
      path: displayPath,
      ast,
      imports: [],
    };
    byIdentity.set(path.resolve(displayPath), file);
    pending.push(file);
    return file;
  };

  const tryRead = (displayPath: string): LoadedFile | undefined => {
    const known = byIdentity.get(path.resolve(displayPath));
    if (known) return known;
    const text = readFile(displayPath);
    return text === undefined ? undefined : load(displayPath, text);
  };

  const entries: LoadedFile[] = [];
  for (const entry of entryPaths) {
    const p = path.normalize(entry);
    const file = tryRead(p);
    if (!file) {
      reporter.error('E0200', fileSpan(p), `cannot read '${p}'`, 'check the path and its permissions');
    } else if (!entries.includes(file)) {
      entries.push(file);
    }
  }

  // Breadth-first over imports; every file is parsed exactly once.
  for (let i = 0; i < pending.length; i++) {
    const file = pending[i]!;
    for (const imp of file.ast.imports) file.imports.push(resolveImport(file, imp));
  }

  function resolveImport(from: LoadedFile, imp: ImportNode): LoadedFile | undefined {
    const target = imp.path.value;
    const candidates = path.isAbsolute(target)
      ? [path.normalize(target)]
      : [path.join(path.dirname(from.path), target), ...includeDirs.map((d) => path.join(d, target))];
    for (const c of candidates) {
      const f = tryRead(c);
      if (f) return f;
    }
    reporter.error(
      'E0205',
      imp.path.span,
      `cannot find imported file '${target}'`,
      `looked in: ${candidates.join(', ')}${includeDirs.length === 0 ? ' (add a directory with -I)' : ''}`,
    );
    return undefined;
  }

  return { files: topoSort(entries, pending, reporter), entries, sources };
}

/** Depth-first post-order from the entries; reports each import that closes a cycle. */
function topoSort(entries: LoadedFile[], all: LoadedFile[], reporter: Reporter): LoadedFile[] {
  const order: LoadedFile[] = [];
  const state = new Map<LoadedFile, 'active' | 'done'>();
  const stack: LoadedFile[] = [];

  const visit = (file: LoadedFile): void => {
    state.set(file, 'active');
    stack.push(file);
    file.imports.forEach((target, i) => {
      if (!target) return;
      const s = state.get(target);
      if (s === 'active') {
        const cycle = stack.slice(stack.indexOf(target)).map((f) => f.path);
        const imp = file.ast.imports[i]!;
        reporter.error(
          'E0206',
          imp.span,
          `import cycle: ${[...cycle, target.path].join(' → ')}`,
          'modules may not import each other in a cycle; move the shared declarations into a module both import',
        );
      } else if (s === undefined) {
        visit(target);
      }
    });
    stack.pop();
    state.set(file, 'done');
    order.push(file);
  };

  for (const e of entries) if (!state.has(e)) visit(e);
  for (const f of all) if (!state.has(f)) visit(f);
  return order;
}
