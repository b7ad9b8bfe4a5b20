// `interop pack`: a package source folder (interop-package.json, the implementation, paths to the
// schemas) becomes one archive: metadata, manifest (interopc's IR bundle with fingerprints), the
// schemas under schema/, and the implementation files at their paths in the folder.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { formatBytes, LibraryError } from './errors.js';
import { archiveName, checkMeta, HOST_PLATFORM, hostPlatform, MANIFEST_FILE, META_FILE, SCHEMA_DIR, type PackageMeta } from './package-meta.js';
import { writeTgz, type TarFile } from './tar.js';

export interface PackOptions {
  /** Folder for the archive (created if missing). */
  outDir: string;
  /** Run the metadata's `build` commands first (default true). */
  build?: boolean;
  /** Capture the build commands' output, shown only when one fails (default: the user sees it). */
  quietBuild?: boolean;
}

export interface Packed {
  file: string;
  sha256: string;
  size: number;
  meta: PackageMeta;
}

interface IrModule {
  name: string;
  version: string;
  file: string;
  fingerprint: string;
  depends: string[];
}

/** `source` is a folder holding interop-package.json, or the path of such a file. */
export function pack(source: string, options: PackOptions): Packed {
  const metaFile = statSync(source, { throwIfNoEntry: false })?.isDirectory() ? path.join(source, META_FILE) : source;
  const folder = path.dirname(path.resolve(metaFile));
  let text: string;
  try {
    text = readFileSync(metaFile, 'utf8');
  } catch (err) {
    throw new LibraryError(`${metaFile}: cannot read the package description (${(err as NodeJS.ErrnoException).code ?? String(err)}); a package folder holds an ${META_FILE}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new LibraryError(`${metaFile}: not valid JSON (${(err as Error).message})`);
  }
  const meta = checkMeta(raw, metaFile);
  if (options.build !== false) runBuild(meta, folder, metaFile, options.quietBuild === true);

  const schemaPaths = meta.schemas.map((s) => path.resolve(folder, s));
  const schemaRoot = commonDir(schemaPaths);
  const relSchemas = schemaPaths.map((s) => toPosix(path.relative(schemaRoot, s)));
  const bundle = manifestOf(relSchemas, schemaRoot, metaFile);
  const root = checkAgainstManifest(meta, bundle, relSchemas, metaFile);

  const files: TarFile[] = relSchemas.map((rel, i) => ({ path: `${SCHEMA_DIR}/${rel}`, data: readFileSync(schemaPaths[i]!) }));
  files.push(...implementationFiles(meta, folder, metaFile));
  if (meta.language === 'ts') files.push({ path: 'package.json', data: Buffer.from('{ "type": "module" }\n') });
  const { build: _build, ...kept } = meta;
  const platform = meta.platform === HOST_PLATFORM ? hostPlatform() : meta.platform;
  const packedMeta: PackageMeta = { ...kept, platform, schemas: relSchemas.map((r) => `${SCHEMA_DIR}/${r}`), fingerprint: root.fingerprint };
  files.push({ path: META_FILE, data: Buffer.from(JSON.stringify(packedMeta, null, 2) + '\n') });
  files.push({ path: MANIFEST_FILE, data: Buffer.from(JSON.stringify(bundle, null, 2) + '\n') });
  checkEntry(meta, files, metaFile);

  const tgz = writeTgz(files);
  mkdirSync(options.outDir, { recursive: true });
  const file = path.join(options.outDir, archiveName(packedMeta));
  const partial = `${file}.${process.pid}.part`;
  writeFileSync(partial, tgz);
  renameSync(partial, file);
  return { file, sha256: createHash('sha256').update(tgz).digest('hex'), size: tgz.length, meta: packedMeta };
}

export function describePacked(p: Packed): string {
  return `${p.file}: ${p.meta.name} ${p.meta.version} (${p.meta.language}, ${p.meta.platform}), ${formatBytes(p.size)}, sha256 ${p.sha256}`;
}

function runBuild(meta: PackageMeta, folder: string, metaFile: string, quiet: boolean): void {
  for (const [i, argv] of (meta.build ?? []).entries()) {
    const r = spawnSync(argv[0]!, argv.slice(1), { cwd: folder, stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'], encoding: 'utf8' });
    if (r.error || r.status !== 0) {
      const why = r.error ? (r.error as NodeJS.ErrnoException).code ?? r.error.message : r.signal ? `killed by ${r.signal}` : `exit code ${r.status}`;
      const output = quiet ? `\n${`${r.stdout ?? ''}${r.stderr ?? ''}`.trimEnd()}` : '';
      throw new LibraryError(`${metaFile}: build[${i}] failed (${why}): ${argv.join(' ')}${output}`);
    }
  }
}

/**
 * interopc, run as a program (the runtime knows nothing of the compiler): INTEROPC names its
 * script or executable; otherwise the `interopc` package next to this one; otherwise PATH.
 */
export function interopc(): string[] {
  const named = process.env['INTEROPC'];
  if (named) return /\.[cm]?js$/.test(named) ? [process.execPath, named] : [named];
  try {
    return [process.execPath, createRequire(import.meta.url).resolve('interopc/bin/interopc.mjs')];
  } catch {
    return ['interopc'];
  }
}

function manifestOf(relSchemas: string[], cwd: string, metaFile: string): { modules: IrModule[]; roots: string[] } {
  const [cmd, ...pre] = interopc();
  const r = spawnSync(cmd!, [...pre, 'manifest', ...relSchemas], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new LibraryError(`${metaFile}: cannot run interopc (${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); set INTEROPC to its path`);
  if (r.status !== 0) throw new LibraryError(`${metaFile}: the schemas have errors (interopc manifest):\n${r.stderr.trimEnd()}`);
  return JSON.parse(r.stdout) as { modules: IrModule[]; roots: string[] };
}

/** The schema must define the package's module, at its version, with its `depends` as dependencies. */
function checkAgainstManifest(meta: PackageMeta, bundle: { modules: IrModule[]; roots: string[] }, relSchemas: string[], metaFile: string): IrModule {
  const root = bundle.modules.find((m) => m.name === meta.name);
  if (!root || !bundle.roots.includes(meta.name)) {
    throw new LibraryError(`${metaFile}: no schema in "schemas" defines module ${meta.name} (found: ${bundle.roots.join(', ') || 'none'})`);
  }
  const problems: string[] = [];
  if (root.version !== meta.version) problems.push(`version: "${meta.version}", but ${root.file} says version "${root.version}"; they must agree`);
  for (const m of bundle.modules) {
    if (!relSchemas.includes(m.file)) problems.push(`schemas: ${m.file} (module ${m.name}, imported) is missing; list every imported schema`);
  }
  const declared = new Set(Object.keys(meta.dependencies ?? {}));
  for (const d of root.depends) if (!declared.has(d)) problems.push(`dependencies: the schema says "depends ${d};": give it a version range, e.g. "${d}": "^1.0.0"`);
  for (const d of declared) if (!root.depends.includes(d)) problems.push(`dependencies.${d}: the schema has no "depends ${d};"`);
  if (problems.length > 0) throw new LibraryError(`${metaFile}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return root;
}

function implementationFiles(meta: PackageMeta, folder: string, metaFile: string): TarFile[] {
  const out: TarFile[] = [];
  const add = (absolute: string): void => {
    const st = lstatSync(absolute, { throwIfNoEntry: false });
    const rel = toPosix(path.relative(folder, absolute));
    if (!st) throw new LibraryError(`${metaFile}: files: "${rel}" does not exist${meta.build ? ' (did the build write it?)' : ''}`);
    if (st.isSymbolicLink()) throw new LibraryError(`${metaFile}: files: "${rel}" is a symbolic link; a package holds regular files only`);
    if (st.isDirectory()) {
      for (const name of readdirSync(absolute).sort()) {
        if (name === '__pycache__' || name.endsWith('.pyc')) continue; // the interpreter's caches
        add(path.join(absolute, name));
      }
      return;
    }
    if (!st.isFile()) throw new LibraryError(`${metaFile}: files: "${rel}" is not a regular file`);
    if (rel === META_FILE || rel === MANIFEST_FILE || rel === 'package.json' || rel.startsWith(`${SCHEMA_DIR}/`)) {
      throw new LibraryError(`${metaFile}: files: "${rel}" is a name interop pack writes itself (${META_FILE}, ${MANIFEST_FILE}, package.json, ${SCHEMA_DIR}/)`);
    }
    out.push({ path: rel, data: readFileSync(absolute), executable: (st.mode & 0o111) !== 0 });
  };
  for (const entry of meta.files ?? []) {
    const absolute = path.resolve(folder, entry);
    const rel = path.relative(folder, absolute);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) throw new LibraryError(`${metaFile}: files: "${entry}" is not inside the package folder ${folder}`);
    add(absolute);
  }
  return out;
}

/** The entry must be among the packed files, so a package cannot be published unloadable. */
function checkEntry(meta: PackageMeta, files: TarFile[], metaFile: string): void {
  const paths = new Set(files.map((f) => f.path));
  let candidates: string[];
  if (meta.language === 'python') {
    const mod = meta.entry.split(':')[0]!.replace(/\./g, '/');
    candidates = [`${mod}.py`, `${mod}/__init__.py`];
  } else candidates = [toPosix(path.posix.normalize(meta.entry))];
  if (!candidates.some((c) => paths.has(c))) {
    throw new LibraryError(`${metaFile}: entry: "${meta.entry}" is not among the packed files (looked for ${candidates.join(' or ')}); add it to "files"`);
  }
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0]!);
  const inside = (f: string): boolean => f.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
  while (!files.every(inside) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
