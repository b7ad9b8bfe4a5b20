// interop.lock, next to the application config (schema docs/lock.schema.json): the exact version,
// artifact and sha256 of every module taken from a library. Resolution against the lockfile uses
// the same resolver with the locked versions as the only ones available, so a lockfile that no
// longer fits the config (a range changed, a module added) is noticed, never silently used.

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { LibraryError } from './errors.js';
import { parseChecked } from './json-check.js';
import type { PackageLanguage } from './package-meta.js';
import type { Available, Chosen } from './resolve.js';

export const LOCK_FILE = 'interop.lock';

export interface LockEntry {
  version: string;
  language: PackageLanguage;
  platform: string;
  file: string;
  sha256: string;
  size: number;
  dependencies: Record<string, string>;
  library: string;
}

export interface Lockfile {
  lockfile: 1;
  packages: Record<string, LockEntry>;
}

export function readLock(dir: string): Lockfile | undefined {
  const file = path.join(dir, LOCK_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LibraryError(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseChecked<Lockfile>(text, 'lock', file);
}

export function lockOf(chosen: Map<string, Chosen>): Lockfile {
  const packages: Record<string, LockEntry> = {};
  for (const c of [...chosen.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    packages[c.name] = {
      version: c.version,
      language: c.language,
      platform: c.platform,
      file: c.artifact.file,
      sha256: c.artifact.sha256,
      size: c.artifact.size,
      dependencies: c.dependencies,
      library: c.source,
    };
  }
  return { lockfile: 1, packages };
}

/** Writes the lockfile when its content changes; returns whether it did. */
export function writeLock(dir: string, lock: Lockfile): boolean {
  const file = path.join(dir, LOCK_FILE);
  const text = JSON.stringify(lock, null, 2) + '\n';
  try {
    if (readFileSync(file, 'utf8') === text) return false;
  } catch {
    // No lockfile yet.
  }
  const partial = `${file}.${process.pid}.part`;
  writeFileSync(partial, text);
  renameSync(partial, file);
  return true;
}

/** The lockfile as a source of releases: each module has exactly its locked artifact. */
export function lockedAvailable(lock: Lockfile, module: string): Available {
  const entry = lock.packages[module];
  if (!entry) throw new LibraryError(`${module} is not in ${LOCK_FILE}`);
  const release = {
    fingerprint: '',
    dependencies: entry.dependencies,
    artifacts: [{ file: entry.file, language: entry.language, platform: entry.platform, sha256: entry.sha256, size: entry.size }],
  };
  return { source: entry.library, releases: new Map([[entry.version, release]]) };
}
