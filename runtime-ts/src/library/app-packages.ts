// What `interop run` and `interop fetch` do with an application's `packages` (docs/library.md):
// resolve one version of every package module and of everything they `depends` on, from the
// lockfile when it still fits the config, else from the libraries in order (or, offline, from the
// cache); make sure each artifact is in the cache, downloading and checking what is missing;
// write interop.lock; and say which node hosts each package and where it is unpacked.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from '../supervisor/app-config.js';
import { Cache, defaultCacheDir } from './cache.js';
import { LibraryError } from './errors.js';
import { artifactPath, readModuleIndex, type Release } from './library-index.js';
import { lockedAvailable, lockOf, readLock, writeLock, LOCK_FILE, type Lockfile } from './lockfile.js';
import { checkMeta, hostPlatform, META_FILE, type PackageLanguage, type PackageMeta } from './package-meta.js';
import { quietProgress, type ProgressReporter } from './progress.js';
import { resolve, type Available, type Chosen, type Fixed, type Requirement, type ResolveInput } from './resolve.js';
import { LibraryDown, openLibrary, type Library } from './source.js';

export interface LibraryOptions {
  /** Default: INTEROP_CACHE_DIR, else the user's cache folder. */
  cacheDir?: string;
  /** Libraries tried before the config's, as given on the command line (relative to the cwd). */
  libraries?: string[];
  /** Never touch the network: the lockfile (or the cache) and the cache only. */
  offline?: boolean;
  /** Resolve again from the libraries, ignoring interop.lock (which is then rewritten). */
  update?: boolean;
  progress?: ProgressReporter;
  log?: (line: string) => void;
}

export interface PackageModule {
  /** The unpacked package (library) or the package source folder (local). */
  dir: string;
  meta: PackageMeta;
  /** The node that hosts it. */
  node: string;
  /** True for a dependency no node named, placed in its dependent's node. */
  autoHosted: boolean;
  /** A package source folder named by the config (not from a library, not locked). */
  local: boolean;
}

export interface ResolvedPackages {
  modules: Map<string, PackageModule>;
  fetched: number;
  fromCache: number;
  lockWritten: boolean;
}

export async function resolveAppPackages(app: AppConfig, options: LibraryOptions = {}): Promise<ResolvedPackages> {
  const log = options.log ?? (() => {});
  const hostOf = new Map(app.nodes.flatMap((n) => n.modules.map((m) => [m, n] as const)));
  const roots: Requirement[] = [];
  const fixed = new Map<string, Fixed>();
  const local = new Map<string, { dir: string; meta: PackageMeta }>();
  const configName = path.basename(app.file);
  for (const [module, source] of app.packages) {
    const node = hostOf.get(module)!; // app-config checks that a node hosts every package module
    if ('range' in source) {
      roots.push({ module, range: source.range, from: configName });
      continue;
    }
    const meta = readLocalMeta(source.path, module, node.language);
    local.set(module, { dir: source.path, meta });
    fixed.set(module, { version: meta.version, language: meta.language, dependencies: meta.dependencies ?? {}, what: `${path.relative(app.dir, source.path) || '.'} (local package)` });
  }
  // Modules built into a node's program: they satisfy a dependency, their version is the program's.
  for (const [module, node] of hostOf) {
    if (!app.packages.has(module)) fixed.set(module, { language: node.language as PackageLanguage, dependencies: {}, what: `node "${node.name}"` });
  }
  const cache = new Cache(options.cacheDir ?? defaultCacheDir());
  const libraries = [...(options.libraries ?? []).map((l) => openLibrary(l, process.cwd())), ...app.libraries.map((l) => openLibrary(l.location, app.dir, l.keys))];
  const input = { roots, fixed, platform: hostPlatform(), hostLanguage: (m: string) => hostOf.get(m)?.language as PackageLanguage | undefined };

  const lock = options.update ? undefined : readLock(app.dir);
  let chosen: Map<string, Chosen> | undefined;
  if (lock) {
    const locked = await fromLock(lock, input);
    if ('stale' in locked) {
      const why = `${LOCK_FILE} does not match ${configName}: ${locked.stale}`;
      if (options.offline) throw new LibraryError(`${why}\n--offline forbids resolving again: run "interop fetch ${app.file}" with the network`);
      log(`${why}; resolving again`);
    } else chosen = locked.chosen;
  }
  if (!chosen) {
    const source = options.offline ? offlineSource(cache, app.file) : librarySource(libraries, cache, log);
    const asked = new Map<string, Promise<Available>>(); // each index is read once, however many rounds
    const available = (m: string): Promise<Available> => asked.get(m) ?? asked.set(m, source(m)).get(m)!;
    chosen = await resolve({ ...input, available });
  }

  const modules = new Map<string, PackageModule>();
  let fetched = 0;
  let fromCache = 0;
  for (const c of chosen.values()) {
    let dir = cache.find(c.artifact.sha256);
    if (dir) fromCache += 1;
    else {
      if (options.offline) {
        throw new LibraryError(`${c.name} ${c.version} (${c.language}, sha256 ${c.artifact.sha256}) is not in the cache ${cache.dir}, and --offline forbids downloading it: run "interop fetch ${app.file}" with the network first`);
      }
      dir = await download(c, libraries, cache, options.progress ?? quietProgress);
      fetched += 1;
    }
    const meta = checkMeta(JSON.parse(readFileSync(path.join(dir, META_FILE), 'utf8')), dir);
    modules.set(c.name, { dir, meta, node: '', autoHosted: !hostOf.has(c.name), local: false });
  }
  for (const [module, l] of local) modules.set(module, { ...l, node: hostOf.get(module)!.name, autoHosted: false, local: true });
  placeDependencies(modules, chosen, hostOf);
  // An application without library packages gets no lockfile (its local packages are not pinned).
  const lockWritten = chosen.size > 0 || lock !== undefined ? writeLock(app.dir, lockOf(chosen)) : false;
  return { modules, fetched, fromCache, lockWritten };
}

/** Sets each package module's node on its AppNode: the node config lists it under `packages`. */
export function applyPackages(app: AppConfig, resolved: ResolvedPackages): void {
  for (const [module, p] of resolved.modules) {
    const node = app.nodes.find((n) => n.name === p.node)!;
    if (p.autoHosted && !node.modules.includes(module)) node.modules.push(module);
    node.packages = { ...node.packages, [module]: p.dir };
  }
}

export function describeResolved(r: ResolvedPackages): string {
  const auto = [...r.modules].filter(([, p]) => p.autoHosted).map(([m, p]) => `${m} in node "${p.node}"`);
  const from = (p: PackageModule): string => (p.local ? `, local folder ${p.dir}` : '');
  return (
    `packages: ${[...r.modules].map(([m, p]) => `${m} ${p.meta.version} (${p.meta.language}${from(p)})`).join(', ')}` +
    (r.fetched + r.fromCache > 0 ? `; from libraries: ${r.fetched} downloaded, ${r.fromCache} already in the cache` : '') +
    (auto.length > 0 ? `; hosting dependencies no node named: ${auto.join(', ')}` : '') +
    (r.lockWritten ? `; ${LOCK_FILE} written` : '')
  );
}

function readLocalMeta(dir: string, module: string, language: string): PackageMeta {
  const file = path.join(dir, META_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LibraryError(`packages.${module}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const meta = checkMeta(raw, file);
  if (meta.name !== module) throw new LibraryError(`packages.${module}: ${file} describes ${meta.name}`);
  if (meta.language !== language) throw new LibraryError(`packages.${module}: ${file} is a ${meta.language} package, but the node hosting it is ${language}`);
  return meta;
}

/** The lockfile's resolution, or why it no longer fits the config. */
async function fromLock(lock: Lockfile, input: Omit<ResolveInput, 'available'>): Promise<{ chosen: Map<string, Chosen> } | { stale: string }> {
  try {
    const chosen = await resolve({ ...input, available: async (m) => lockedAvailable(lock, m) });
    const extra = Object.keys(lock.packages).filter((m) => !chosen.has(m));
    if (extra.length > 0) return { stale: `${extra.join(', ')} locked but no longer needed` };
    return { chosen };
  } catch (err) {
    if (!(err instanceof LibraryError)) throw err;
    return { stale: err.message };
  }
}

/** Releases from the first library that has the module; a library that is down is skipped from then on. */
function librarySource(libraries: Library[], cache: Cache, log: (line: string) => void): (module: string) => Promise<Available> {
  const down = new Map<Library, string>();
  return async (module) => {
    if (libraries.length === 0) throw new LibraryError(`${module}: no library is configured: add "libraries" to the application config, or pass --library URL`);
    const tried: string[] = [];
    for (const library of libraries) {
      if (down.has(library)) {
        tried.push(down.get(library)!);
        continue;
      }
      try {
        const index = await readModuleIndex(library, module);
        if (index) return { source: library.location, releases: new Map(Object.entries(index.versions)) };
        tried.push(`${library.location}: has no module ${module}`);
      } catch (err) {
        if (!(err instanceof LibraryDown)) throw err;
        down.set(library, err.message);
        tried.push(err.message);
        log(`library ${err.message}; trying the next one`);
      }
    }
    const cached = down.size > 0 ? cacheSource(cache)(module) : undefined;
    if (cached && (await cached).releases.size > 0) {
      log(`${module}: no library answered; choosing among the versions in the cache`);
      return cached;
    }
    throw new LibraryError(`${module} cannot be found:\n${tried.map((t) => `  ${t}`).join('\n')}`);
  };
}

/** Offline without a lockfile: the cache, saying what to do when it lacks a module. */
function offlineSource(cache: Cache, appFile: string): (module: string) => Promise<Available> {
  const cached = cacheSource(cache);
  return async (module) => {
    const available = await cached(module);
    if (available.releases.size > 0) return available;
    throw new LibraryError(`${module} is not in the cache ${cache.dir}, and --offline forbids asking the libraries: run "interop fetch ${appFile}" with the network first`);
  };
}

/** The cache as a source: every cached artifact, by version. */
function cacheSource(cache: Cache): (module: string) => Promise<Available> {
  return async (module) => {
    const releases = new Map<string, Release>();
    for (const a of cache.artifactsOf(module)) {
      const r = releases.get(a.version) ?? { fingerprint: a.fingerprint, dependencies: a.dependencies, artifacts: [] };
      r.artifacts.push({ file: a.file, language: a.language as PackageLanguage, platform: a.platform, sha256: a.sha256, size: a.size });
      releases.set(a.version, r);
    }
    return { source: `the cache ${cache.dir}`, releases };
  };
}

/** From the library it was found in first, then the others; a hash mismatch stops everything. */
async function download(c: Chosen, libraries: Library[], cache: Cache, progress: ProgressReporter): Promise<string> {
  const what = `${c.name} ${c.version} (${c.language}, ${c.platform})`;
  const order = [...libraries.filter((l) => l.location === c.source), ...libraries.filter((l) => l.location !== c.source)];
  const tried: string[] = [];
  for (const library of order) {
    const shown = progress.start(what, c.artifact.size);
    try {
      const dir = await cache.add({ ...c.artifact, name: c.name, version: c.version }, library.location, `${what} from ${library.location}`, (file) =>
        library.download(artifactPath(c.name, c.artifact.file), file, { maxBytes: c.artifact.size, onProgress: (n) => shown.update(n) }),
      );
      if (dir) {
        shown.done();
        return dir;
      }
      shown.failed();
      tried.push(`${library.location}: does not have ${c.artifact.file}`);
    } catch (err) {
      shown.failed();
      if (!(err instanceof LibraryDown)) throw err;
      tried.push(err.message);
    }
  }
  throw new LibraryError(`${what} could not be downloaded:\n${tried.map((t) => `  ${t}`).join('\n') || '  no library is configured'}`);
}

/** A dependency no node hosts goes to the node of the module that depends on it. */
function placeDependencies(modules: Map<string, PackageModule>, chosen: Map<string, Chosen>, hostOf: Map<string, { name: string }>): void {
  const nodeOf = (module: string, seen: Set<string>): string => {
    const configured = hostOf.get(module);
    if (configured) return configured.name;
    if (seen.has(module)) throw new LibraryError(`${module}: only modules no node hosts depend on it (${[...seen].join(' -> ')}); add one of them to a node's "modules"`);
    seen.add(module);
    const dependent = chosen.get(module)?.dependents[0];
    if (dependent === undefined) throw new LibraryError(`${module}: no node hosts it; add it to a node's "modules"`);
    return nodeOf(dependent, seen);
  };
  for (const [module, p] of modules) p.node = nodeOf(module, new Set());
}
