// The per-user package cache, shared by every application of the user:
//
//   <cache>/packages/<sha256>/       one unpacked archive, named by the archive's sha256
//   <cache>/packages/<sha256>.json   what it is: name, version, language, platform, size, library
//   <cache>/tmp/                     downloads and unpackings in progress
//
// A package enters only whole: it is downloaded into tmp/, its sha256 compared with the one the
// index (or the lockfile) gives, checked and unpacked into a fresh folder in tmp/, and then renamed
// into packages/ in one step. Whatever fails on the way (a tampered or cut download, a refused
// archive, a crash) leaves packages/ as it was; tmp/ is emptied of what the failure left.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LibraryError } from './errors.js';
import { checkMeta, MANIFEST_FILE, META_FILE, type PackageMeta } from './package-meta.js';
import type { Downloaded } from './source.js';
import { readTgz, type TarFile } from './tar.js';

export interface Artifact {
  name: string;
  version: string;
  language: string;
  platform: string;
  file: string;
  sha256: string;
  size: number;
}

/** The record kept beside each cached package. */
export interface CachedArtifact extends Artifact {
  library: string;
  dependencies: Record<string, string>;
  fingerprint: string;
}

/** INTEROP_CACHE_DIR, else $XDG_CACHE_HOME/interop, else ~/.cache/interop (macOS: ~/Library/Caches/interop). */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env['INTEROP_CACHE_DIR']) return path.resolve(env['INTEROP_CACHE_DIR']);
  if (env['XDG_CACHE_HOME']) return path.join(env['XDG_CACHE_HOME'], 'interop');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Caches', 'interop');
  return path.join(os.homedir(), '.cache', 'interop');
}

/** Work files older than this in tmp/ belong to a process that died; they are removed. */
const STALE_MS = 60 * 60 * 1000;

export class Cache {
  readonly packages: string;
  readonly tmp: string;

  constructor(readonly dir: string) {
    this.packages = path.join(dir, 'packages');
    this.tmp = path.join(dir, 'tmp');
  }

  /** The unpacked package with this archive hash, if cached. */
  find(sha256: string): string | undefined {
    const dir = path.join(this.packages, sha256);
    return existsSync(path.join(dir, META_FILE)) ? dir : undefined;
  }

  /** Every cached artifact of `name` (used when no library answers, and offline without a lockfile). */
  artifactsOf(name: string): CachedArtifact[] {
    if (!existsSync(this.packages)) return [];
    const out: CachedArtifact[] = [];
    for (const entry of readdirSync(this.packages)) {
      if (!entry.endsWith('.json')) continue;
      try {
        const record = JSON.parse(readFileSync(path.join(this.packages, entry), 'utf8')) as CachedArtifact;
        if (record.name === name && this.find(record.sha256)) out.push(record);
      } catch {
        // Not ours, or damaged by hand: ignore it rather than fail every resolution.
      }
    }
    return out;
  }

  /**
   * Downloads `artifact` with `download` (which writes the file it is given) and adds it. Returns
   * the package folder, or undefined when `download` found nothing. Throws, caching nothing, when
   * the bytes are not the expected ones or the archive is refused.
   */
  async add(artifact: Artifact, library: string, what: string, download: (file: string) => Promise<Downloaded | undefined>): Promise<string | undefined> {
    const cached = this.find(artifact.sha256);
    if (cached) return cached;
    mkdirSync(this.tmp, { recursive: true });
    this.removeStale();
    const work = path.join(this.tmp, `${process.pid}-${randomBytes(6).toString('hex')}`);
    try {
      const got = await download(`${work}.tgz`);
      if (!got) return undefined;
      if (got.sha256 !== artifact.sha256 || got.size !== artifact.size) {
        throw new LibraryError(
          `${what}: the download does not match its sha256: expected ${artifact.sha256} (${artifact.size} bytes), got ${got.sha256} (${got.size} bytes). ` +
            'The artifact was changed after it was published, or damaged on the way: refused, nothing was cached.',
        );
      }
      const files = readTgz(readFileSync(`${work}.tgz`), what);
      const meta = checkContents(files, artifact, what);
      for (const f of files) writeInside(work, f);
      mkdirSync(this.packages, { recursive: true });
      const dir = path.join(this.packages, artifact.sha256);
      // The record first, then the folder in one rename: a package folder always has its record.
      const record: CachedArtifact = { ...artifact, library, dependencies: meta.dependencies ?? {}, fingerprint: meta.fingerprint ?? '' };
      writeFileSync(`${work}.json`, JSON.stringify(record, null, 2) + '\n');
      renameSync(`${work}.json`, `${dir}.json`);
      try {
        renameSync(work, dir);
      } catch (err) {
        // Another process cached the same archive meanwhile: theirs is identical, keep it.
        if (!this.find(artifact.sha256)) throw err;
      }
      return dir;
    } finally {
      rmSync(`${work}.tgz`, { force: true });
      rmSync(`${work}.json`, { force: true });
      rmSync(work, { recursive: true, force: true });
    }
  }

  private removeStale(): void {
    for (const name of readdirSync(this.tmp)) {
      const p = path.join(this.tmp, name);
      try {
        if (Date.now() - statSync(p).mtimeMs > STALE_MS) rmSync(p, { recursive: true, force: true });
      } catch {
        // Removed by its owner meanwhile.
      }
    }
  }
}

/** The archive must hold the package the index described, with a manifest that agrees. */
function checkContents(files: TarFile[], artifact: Artifact, what: string): PackageMeta {
  const file = (name: string): TarFile => {
    const f = files.find((x) => x.path === name);
    if (!f) throw new LibraryError(`${what}: refused: the archive has no ${name}`);
    return f;
  };
  let meta: PackageMeta;
  let manifest: { modules?: Array<{ name: string; fingerprint: string }> };
  try {
    meta = checkMeta(JSON.parse(Buffer.from(file(META_FILE).data).toString('utf8')), `${what}: ${META_FILE}`);
    manifest = JSON.parse(Buffer.from(file(MANIFEST_FILE).data).toString('utf8'));
  } catch (err) {
    if (err instanceof LibraryError) throw err;
    throw new LibraryError(`${what}: refused: ${(err as Error).message}`);
  }
  const expected = `${artifact.name} ${artifact.version} ${artifact.language} ${artifact.platform}`;
  const found = `${meta.name} ${meta.version} ${meta.language} ${meta.platform}`;
  if (expected !== found) throw new LibraryError(`${what}: refused: the archive holds ${found}, the index promised ${expected}`);
  const module = manifest.modules?.find((m) => m.name === meta.name);
  if (!module || module.fingerprint !== meta.fingerprint) {
    throw new LibraryError(`${what}: refused: ${MANIFEST_FILE} does not define ${meta.name} with the fingerprint ${META_FILE} gives`);
  }
  return meta;
}

/** Writes one archive entry under `root`, which the entry's checked path cannot leave. */
function writeInside(root: string, f: TarFile): void {
  const target = path.resolve(root, ...f.path.split('/'));
  if (!target.startsWith(root + path.sep)) throw new LibraryError(`refused: "${f.path}" would be written outside the package folder`);
  mkdirSync(path.dirname(target), { recursive: true });
  // 'wx': never through something that already exists (the folder is new, so nothing does).
  writeFileSync(target, f.data, { flag: 'wx', mode: f.executable ? 0o755 : 0o644 });
}
