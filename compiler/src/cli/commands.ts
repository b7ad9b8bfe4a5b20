// What each `interopc` command does, once ./main.ts has parsed its arguments. Every function
// returns the exit code: 0 ok, 1 schema errors (or fmt --check differences), 2 usage error,
// 3 I/O or internal error. Diagnostics go to stderr, results to stdout.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { compile } from '../frontend/compile.js';
import type { Diagnostic } from '../frontend/diagnostic.js';
import { formatFile } from '../frontend/format.js';
import { parseFile } from '../frontend/parse.js';
import { renderDiagnostics } from '../frontend/render.js';
import { findTarget, listTargets } from '../targets/registry.js';

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

/** Compiles; on errors reports them and returns the exit code, else the bundle. */
function compileOrReport(args: CommonArgs) {
  const result = compile(args.files, { includeDirs: args.include });
  report(result.diagnostics, result.sources, args.errorFormat);
  if (result.bundle) return { bundle: result.bundle };
  const unreadable = result.diagnostics.some((d) => d.code === 'E0200');
  return { code: unreadable ? EXIT.io : EXIT.errors };
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

export interface GenArgs extends CommonArgs {
  lang: string;
  out: string;
  /** `--format`: run the target's formatter over its output (slow on large schemas). */
  format?: boolean;
}

export async function genCommand(args: GenArgs): Promise<number> {
  const target = findTarget(args.lang);
  if (!target) {
    const known = listTargets().map((t) => `${t.id} (${t.displayName})`);
    err(
      `interopc gen: unknown --lang '${args.lang}'; known: ${known.length > 0 ? known.join(', ') : '(no targets are registered)'}\n`,
    );
    return EXIT.usage;
  }
  const r = compileOrReport(args);
  if (!r.bundle) return r.code;
  const sourceNames: Record<string, string> = {};
  for (const m of r.bundle.modules) sourceNames[m.name] = path.basename(m.file);
  const files = await target.generate(r.bundle, { sourceNames, ...(args.format ? { format: true } : {}) });

  let written = 0;
  let unchanged = 0;
  const root = path.resolve(args.out);
  for (const f of files) {
    const dest = path.resolve(root, f.path);
    if (path.isAbsolute(f.path) || !dest.startsWith(root + path.sep)) {
      err(`interopc gen: target '${target.id}' produced a path outside --out: '${f.path}'\n`);
      return EXIT.io;
    }
    let existing: string | undefined;
    try {
      existing = readFileSync(dest, 'utf8');
    } catch {
      existing = undefined;
    }
    if (existing === f.content) {
      unchanged++;
      continue;
    }
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, f.content);
    written++;
  }
  err(
    `interopc gen: ${target.id}: ${written} file${written === 1 ? '' : 's'} written, ${unchanged} unchanged, in ${args.out}\n`,
  );
  return EXIT.ok;
}
