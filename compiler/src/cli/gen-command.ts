// `interopc gen`: writes what a target generates, only the files whose content changed (so build
// tools see unchanged files as unchanged). `--check` writes nothing and exits 1 when a file on
// disk differs from what the schemas produce or is missing: the CI check for checked-in SDKs.
// `--watch` generates, then again whenever a schema it read (imports included) changes.

import { mkdirSync, readFileSync, watch, writeFileSync, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { findTarget, listTargets } from '../targets/registry.js';
import { TargetError, type GeneratedFile, type Target } from '../targets/target.js';
import { compileOrReport, err, EXIT, out, report, type CommonArgs } from './commands.js';

export interface GenArgs extends CommonArgs {
  lang: string;
  out: string;
  /** `--format`: run the target's formatter over its output (slow on large schemas). */
  format?: boolean;
  check?: boolean;
  watch?: boolean;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function genCommand(args: GenArgs): Promise<number> {
  const target = findTarget(args.lang);
  if (!target) {
    const known = listTargets().map((t) => `${t.id} (${t.displayName})`);
    err(`interopc gen: unknown --lang '${args.lang}'; known: ${known.length > 0 ? known.join(', ') : '(no targets are registered)'}\n`);
    return EXIT.usage;
  }
  if (args.watch) return watchAndGenerate(target, args);
  return (await generateOnce(target, args)).code;
}

/** One run: generates (or checks); returns the exit code and the schema files it read. */
async function generateOnce(target: Target, args: GenArgs): Promise<{ code: number; files: string[] }> {
  const r = compileOrReport(args);
  if (!r.bundle) return { code: r.code, files: r.files };
  const sourceNames: Record<string, string> = {};
  for (const m of r.bundle.modules) sourceNames[m.name] = path.basename(m.file);
  let generated: GeneratedFile[];
  try {
    generated = await target.generate(r.bundle, { sourceNames, ...(args.format ? { format: true } : {}) });
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    // What the target's format cannot express, shown like any schema error (docs/errors.md E07xx).
    report(e.problems.map((p) => ({ ...p, severity: 'error' as const })), r.sources, args.errorFormat);
    err(`interopc gen: ${target.id}: nothing written: the schema uses what ${target.displayName} cannot express\n`);
    return { code: EXIT.errors, files: r.files };
  }

  const root = path.resolve(args.out);
  const stale: string[] = [];
  let unchanged = 0;
  for (const f of generated) {
    const dest = path.resolve(root, f.path);
    if (path.isAbsolute(f.path) || !dest.startsWith(root + path.sep)) {
      err(`interopc gen: target '${target.id}' produced a path outside --out: '${f.path}'\n`);
      return { code: EXIT.io, files: r.files };
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
    stale.push(path.join(args.out, f.path));
    if (args.check) continue;
    mkdirSync(path.dirname(dest), { recursive: true });
    writeFileSync(dest, f.content);
  }
  if (args.check) {
    if (stale.length === 0) return { code: EXIT.ok, files: r.files };
    out(stale.map((f) => `${f}\n`).join(''));
    err(`interopc gen --check: ${plural(stale.length, 'file')} in ${args.out} ${stale.length === 1 ? 'differs from what the schemas produce (or is missing)' : 'differ from what the schemas produce (or are missing)'}; run the same command without --check to update them\n`);
    return { code: EXIT.errors, files: r.files };
  }
  err(`interopc gen: ${target.id}: ${plural(stale.length, 'file')} written, ${unchanged} unchanged, in ${args.out}\n`);
  return { code: EXIT.ok, files: r.files };
}

/**
 * Generates, then watches every schema read and generates again 100 ms after the last change
 * (editors write a file in several steps). Errors are reported and the watch goes on; it ends on
 * SIGINT or SIGTERM with exit code 0, or 3 when no schema could be watched.
 */
async function watchAndGenerate(target: Target, args: GenArgs): Promise<number> {
  // One watcher per folder, kept while the folder holds a watched schema: replacing them after
  // each run would miss a save made in between. Folders, not files: an editor that saves by
  // renaming replaces the file.
  const watchers = new Map<string, FSWatcher>();
  let files = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const rewatch = (read: string[]) => {
    files = new Set(read.map((f) => path.resolve(f)));
    const dirs = new Set([...files].map((f) => path.dirname(f)));
    for (const [dir, w] of watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        watchers.set(dir, watch(dir, (_event, name) => {
          if (name && !files.has(path.join(dir, name.toString()))) return;
          clearTimeout(timer);
          timer = setTimeout(() => (running = running.then(run)), 100);
        }));
      } catch (e) {
        err(`interopc gen --watch: cannot watch ${dir}: ${(e as Error).message}\n`);
      }
    }
  };
  const run = async () => {
    const { files: read } = await generateOnce(target, { ...args, check: false });
    // The command-line files always, even when one cannot be read yet.
    rewatch([...args.files, ...read]);
  };
  rewatch(args.files);
  await run();
  if (watchers.size === 0) return EXIT.io;
  err(`interopc gen --watch: watching ${plural(args.files.length, 'schema')} and their imports; Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearTimeout(timer);
  for (const w of watchers.values()) w.close();
  return EXIT.ok;
}
