// What each `interopc` command does, once ./main.ts has parsed its arguments. Every function
// returns the exit code: 0 ok, 1 schema errors (or fmt --check differences), 2 usage error,
// 3 I/O or internal error. Diagnostics go to stderr, results to stdout.

import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from '../frontend/compile.js';
import type { Diagnostic } from '../frontend/diagnostic.js';
import { formatFile } from '../frontend/format.js';
import { parseFile } from '../frontend/parse.js';
import { renderDiagnostics } from '../frontend/render.js';

export const EXIT = { ok: 0, errors: 1, usage: 2, io: 3 } as const;

export type ErrorFormat = 'text' | 'json';

export interface CommonArgs {
  files: string[];
  errorFormat: ErrorFormat;
  include: string[];
}

export function out(text: string): void {
  process.stdout.write(text);
}

export function err(text: string): void {
  process.stderr.write(text);
}

function useColor(): boolean {
  return process.stderr.isTTY === true && process.env['NO_COLOR'] === undefined;
}

export function report(diags: Diagnostic[], sources: Map<string, string>, format: ErrorFormat): void {
  if (diags.length === 0 && format === 'text') return;
  const text = renderDiagnostics(diags, sources, { format, color: format === 'text' && useColor() });
  if (text.length > 0) err(text.endsWith('\n') ? text : `${text}\n`);
}

/** Compiles; on errors reports them and returns the exit code, else the bundle; and the files read. */
export function compileOrReport(args: CommonArgs) {
  const result = compile(args.files, { includeDirs: args.include });
  report(result.diagnostics, result.sources, args.errorFormat);
  // `files`: every schema read (imports included), for `gen --watch`.
  const files = [...result.sources.keys()];
  if (result.bundle) return { bundle: result.bundle, files, sources: result.sources };
  const unreadable = result.diagnostics.some((d) => d.code === 'E0200');
  return { code: unreadable ? EXIT.io : EXIT.errors, files };
}

export function checkCommand(args: CommonArgs): number {
  const r = compileOrReport(args);
  return r.bundle ? EXIT.ok : r.code;
}

export function manifestCommand(args: CommonArgs): number {
  const r = compileOrReport(args);
  if (!r.bundle) return r.code;
  out(`${JSON.stringify(r.bundle, null, 2)}\n`);
  return EXIT.ok;
}

export interface FmtArgs {
  files: string[];
  errorFormat: ErrorFormat;
  check: boolean;
  write: boolean;
}

export function fmtCommand(args: FmtArgs): number {
  let code: number = EXIT.ok;
  const changed: string[] = [];
  for (const file of args.files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      err(`interopc fmt: cannot read '${file}': ${(e as Error).message}\n`);
      code = EXIT.io;
      continue;
    }
    const { ast, diagnostics } = parseFile(text, file);
    if (diagnostics.some((d) => d.severity === 'error')) {
      report(diagnostics, new Map([[file, text]]), args.errorFormat);
      err(`interopc fmt: not formatting '${file}': it has syntax errors\n`);
      if (code === EXIT.ok) code = EXIT.errors;
      continue;
    }
    const formatted = formatFile(ast);
    if (args.check) {
      if (formatted !== text) changed.push(file);
    } else if (args.write) {
      if (formatted !== text) {
        writeFileSync(file, formatted);
        changed.push(file);
      }
    } else {
      out(formatted);
    }
  }
  if (args.check && changed.length > 0) {
    out(changed.map((f) => `${f}\n`).join(''));
    err(`interopc fmt: ${changed.length} file${changed.length === 1 ? '' : 's'} would be reformatted\n`);
    if (code === EXIT.ok) code = EXIT.errors;
  }
  if (args.write && changed.length > 0) {
    err(`interopc fmt: reformatted ${changed.length} file${changed.length === 1 ? '' : 's'}\n`);
  }
  return code;
}
