// A library's layout (docs/library.md), the same on a web server and in a folder:
//
//   index.json                           the modules, for people browsing (resolution never reads it)
//   <module>/index.json                  every version of the module, its artifacts and their sha256
//   <module>/<module>-<version>-<language>-<platform>.tgz
//
// `interop publish` writes it into a folder (serve that folder with any static HTTP server, or copy
// it to an object store); resolution reads only <module>/index.json and the archives.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { createHash, type KeyObject } from 'node:crypto';
import semver from 'semver';
import { LibraryError } from './errors.js';
import { parseChecked } from './json-check.js';
import { archiveName, checkMeta, HOST_PLATFORM, MANIFEST_FILE, META_FILE, type PackageLanguage, type PackageMeta } from './package-meta.js';
import { MAX_SIGNATURE_BYTES, signIndex, SIGNATURE_SUFFIX, verifyIndex } from './signing.js';
import type { Library } from './source.js';
import { readTgz, DEFAULT_ARCHIVE_LIMITS } from './tar.js';

export const FORMAT = 'interop-library/1';
/** A module index larger than this is refused. */
export const MAX_INDEX_BYTES = 4 * 1024 * 1024;

export interface ArtifactEntry {
  file: string;
  language: PackageLanguage;
  platform: string;
  sha256: string;
  size: number;
}

export interface Release {
  description?: string;
  license?: string;
  fingerprint: string;
  dependencies: Record<string, string>;
  artifacts: ArtifactEntry[];
}

export interface ModuleIndex {
  format: typeof FORMAT;
  name: string;
  versions: Record<string, Release>;
}

export function moduleIndexPath(name: string): string {
  return `${name}/index.json`;
}

export function artifactPath(name: string, file: string): string {
  return `${name}/${file}`;
}

/**
 * The module's index in `library`, or undefined when the library does not have the module. When the
 * library has keys, the index must be signed by one of them.
 */
export async function readModuleIndex(library: Library, name: string): Promise<ModuleIndex | undefined> {
  const text = await library.readText(moduleIndexPath(name), MAX_INDEX_BYTES);
  if (text === undefined) return undefined;
  const what = `${library.location}: ${moduleIndexPath(name)}`;
  if (library.keys.length > 0) {
    const signature = await library.readText(moduleIndexPath(name) + SIGNATURE_SUFFIX, MAX_SIGNATURE_BYTES);
    verifyIndex(Buffer.from(text, 'utf8'), signature, library.keys, what);
  }
  const index = parseChecked<ModuleIndex>(text, 'library-index', what);
  if (index.name !== name) throw new LibraryError(`${library.location}: ${moduleIndexPath(name)} describes "${index.name}", not "${name}"`);
  return index;
}

export interface Published {
  meta: PackageMeta;
  file: string;
  sha256: string;
  /** False when this exact archive was already in the library. */
  added: boolean;
}

/**
 * Adds an archive to a library folder. A published artifact never changes: publishing other bytes
 * under the same name, version, language and platform is refused (bump the version). With
 * `signingKey` the module's index is signed; a signed index is never left with a stale signature.
 */
export function publishToFolder(archive: string, libraryDir: string, signingKey?: KeyObject): Published {
  const bytes = readFileSync(archive);
  const files = readTgz(bytes, archive, DEFAULT_ARCHIVE_LIMITS);
  const metaFile = files.find((f) => f.path === META_FILE);
  const manifestFile = files.find((f) => f.path === MANIFEST_FILE);
  if (!metaFile || !manifestFile) throw new LibraryError(`${archive}: not a package (no ${META_FILE} or ${MANIFEST_FILE}); make one with "interop pack"`);
  const meta = checkMeta(JSON.parse(Buffer.from(metaFile.data).toString('utf8')), `${archive}: ${META_FILE}`);
  if (!meta.fingerprint || meta.platform === HOST_PLATFORM) throw new LibraryError(`${archive}: ${META_FILE} has no fingerprint or no platform; make the archive with "interop pack"`);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const file = archiveName(meta);

  mkdirSync(libraryDir, { recursive: true });
  return withLock(libraryDir, () => {
    const moduleDir = path.join(libraryDir, meta.name);
    const indexFile = path.join(moduleDir, 'index.json');
    const signatureFile = indexFile + SIGNATURE_SUFFIX;
    const sign = (index: Uint8Array): void => writeAtomically(signatureFile, JSON.stringify(signIndex(index, signingKey!)) + '\n');
    if (!signingKey && existsSync(signatureFile)) {
      throw new LibraryError(`${archive}: ${meta.name}'s index in ${libraryDir} is signed; publish with --sign-key (the same key, or one the library's users trust)`);
    }
    let index: ModuleIndex = { format: FORMAT, name: meta.name, versions: {} };
    try {
      index = parseChecked<ModuleIndex>(readFileSync(indexFile, 'utf8'), 'library-index', indexFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const release: Release = index.versions[meta.version] ?? {
      ...(meta.description !== undefined ? { description: meta.description } : {}),
      license: meta.license,
      fingerprint: meta.fingerprint!,
      dependencies: meta.dependencies ?? {},
      artifacts: [],
    };
    const what = `${meta.name} ${meta.version}`;
    if (release.fingerprint !== meta.fingerprint) {
      throw new LibraryError(`${archive}: ${what} is already published with schema fingerprint ${release.fingerprint}, this archive has ${meta.fingerprint}; one version has one schema: bump the version`);
    }
    if (JSON.stringify(sortKeys(release.dependencies)) !== JSON.stringify(sortKeys(meta.dependencies ?? {}))) {
      throw new LibraryError(`${archive}: ${what} is already published with other dependencies (${JSON.stringify(release.dependencies)}); bump the version`);
    }
    const existing = release.artifacts.find((a) => a.language === meta.language && a.platform === meta.platform);
    if (existing) {
      if (existing.sha256 === sha256) {
        if (signingKey) sign(readFileSync(indexFile));
        return { meta, file, sha256, added: false };
      }
      throw new LibraryError(`${archive}: ${what} (${meta.language}, ${meta.platform}) is already published with other contents (sha256 ${existing.sha256}); a published artifact never changes: bump the version`);
    }
    release.artifacts.push({ file, language: meta.language, platform: meta.platform, sha256, size: bytes.length });
    release.artifacts.sort((a, b) => a.file.localeCompare(b.file));
    index.versions[meta.version] = release;
    index.versions = Object.fromEntries(Object.entries(index.versions).sort(([a], [b]) => semver.compare(a, b)));

    mkdirSync(moduleDir, { recursive: true });
    writeAtomically(path.join(moduleDir, file), bytes);
    const indexBytes = Buffer.from(JSON.stringify(index, null, 2) + '\n');
    // Two renames: a reader in between sees an index and a signature that do not match, and
    // refuses them (it never accepts a wrong pair); the next try sees both new.
    if (signingKey) sign(indexBytes);
    writeAtomically(indexFile, indexBytes);
    updateTopIndex(libraryDir, meta.name, index);
    return { meta, file, sha256, added: true };
  });
}

function updateTopIndex(libraryDir: string, name: string, index: ModuleIndex): void {
  const file = path.join(libraryDir, 'index.json');
  let top: { format: string; modules: Record<string, { latest: string; description?: string }> } = { format: FORMAT, modules: {} };
  try {
    top = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // Missing or unreadable: it is only for browsing, rebuild it from this module on.
  }
  const versions = Object.keys(index.versions).sort(semver.compare);
  const latest = versions[versions.length - 1]!;
  const description = index.versions[latest]!.description;
  top.modules[name] = { latest, ...(description !== undefined ? { description } : {}) };
  top.modules = Object.fromEntries(Object.entries(top.modules).sort(([a], [b]) => a.localeCompare(b)));
  writeAtomically(file, JSON.stringify(top, null, 2) + '\n');
}

/** One publisher at a time per library folder; a lock left by a dead process is taken over. */
function withLock<T>(libraryDir: string, work: () => T): T {
  const lock = path.join(libraryDir, '.publish.lock');
  let fd: number;
  try {
    fd = openSync(lock, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const holder = Number(readFileSync(lock, 'utf8'));
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new LibraryError(`${libraryDir}: another "interop publish" (pid ${holder}) is writing this library; try again when it is done`);
    }
    rmSync(lock, { force: true });
    fd = openSync(lock, 'wx');
  }
  try {
    writeSync(fd, String(process.pid));
    return work();
  } finally {
    closeSync(fd);
    rmSync(lock, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function writeAtomically(file: string, data: string | Uint8Array): void {
  const partial = `${file}.${process.pid}.part`;
  writeFileSync(partial, data);
  renameSync(partial, file);
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}
