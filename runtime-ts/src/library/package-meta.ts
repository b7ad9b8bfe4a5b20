// A package's metadata (interop-package.json, schema docs/package.schema.json): one module version,
// implemented in one language, for one platform. Also the names every part agrees on: the archive's
// file name, the reserved entries, this machine's platform.

import semver from 'semver';
import { LibraryError } from './errors.js';
import { checked } from './json-check.js';
import { checkEntryPath } from './tar.js';

export type PackageLanguage = 'ts' | 'python' | 'c' | 'cpp' | 'd' | 'haskell';

export interface PackageMeta {
  name: string;
  version: string;
  description?: string;
  license: string;
  language: PackageLanguage;
  platform: string;
  entry: string;
  schemas: string[];
  files?: string[];
  dependencies?: Record<string, string>;
  build?: string[][];
  fingerprint?: string;
}

/** The metadata file, in a source folder and at the root of an archive. */
export const META_FILE = 'interop-package.json';
/** The IR bundle of the package's schemas (`interopc manifest`), at the root of an archive. */
export const MANIFEST_FILE = 'manifest.json';
/** Folder of the .interop files inside an archive. */
export const SCHEMA_DIR = 'schema';

const NATIVE: ReadonlySet<PackageLanguage> = new Set(['c', 'cpp', 'd', 'haskell']);

/** This machine's platform in package terms: Node's OS and CPU names, e.g. `linux-x64`. */
export function hostPlatform(): string {
  return `${process.platform}-${process.arch}`;
}

/**
 * A source folder's `platform: "host"`: native code built for the machine that packs it. `interop
 * pack` writes the machine's platform into the archive, which never says "host".
 */
export const HOST_PLATFORM = 'host';

/** Whether an artifact built for `artifact` runs on `host`. */
export function platformMatches(artifact: string, host: string): boolean {
  return artifact === 'any' || artifact === host;
}

/** `greenhouse.sensors-1.0.0-python-any.tgz` */
export function archiveName(meta: Pick<PackageMeta, 'name' | 'version' | 'language' | 'platform'>): string {
  return `${meta.name}-${meta.version}-${meta.language}-${meta.platform}.tgz`;
}

/** Checks metadata against the schema and the rules a schema cannot say. */
export function checkMeta(value: unknown, what: string): PackageMeta {
  const meta = checked<PackageMeta>(value, 'package', what);
  const problems: string[] = [];
  if (NATIVE.has(meta.language) && meta.platform === 'any') {
    problems.push(`platform: native code (${meta.language}) runs on one OS and CPU: give it, e.g. "${hostPlatform()}", or "${HOST_PLATFORM}" for the machine that packs it`);
  }
  for (const [dep, range] of Object.entries(meta.dependencies ?? {})) {
    if (semver.validRange(range) === null) problems.push(`dependencies.${dep}: "${range}" is not a version range (examples: ^1.2.0, ~1.2, >=1 <3)`);
    if (dep === meta.name) problems.push(`dependencies.${dep}: a module does not depend on itself`);
  }
  if (meta.language !== 'python') {
    try {
      checkEntryPath(meta.entry);
    } catch (err) {
      problems.push(`entry: a path inside the package folder, got "${meta.entry}" (${(err as Error).message})`);
    }
  }
  if (meta.language === 'python' && !/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*:[A-Za-z_][A-Za-z0-9_]*$/.test(meta.entry)) {
    problems.push(`entry: a Python entry is "module:function", e.g. "sensors:create", got "${meta.entry}"`);
  }
  if (problems.length > 0) throw new LibraryError(`${what}:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return meta;
}
