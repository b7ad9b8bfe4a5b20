// `interop host`: the TypeScript node host for package modules. It reads its node config
// (INTEROP_NODE_CONFIG), loads each hosted module from the package folder the config's `packages`
// names, checks that the code implements the schema the package was published with (same
// fingerprint), starts the node, and runs until SIGTERM or, as a stdio plugin, until its parent
// goes away.
//
// A package's code imports `@interop/runtime`, and nothing in the cache folder could resolve that
// name. A resolve hook maps it, for files inside package folders only, to the very runtime this
// host uses: one copy of InteropError, one Node, whatever the package was built against.

import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Runtime from '../index.js';
import { LibraryError } from './errors.js';
import { checkMeta, META_FILE, type PackageMeta } from './package-meta.js';

const RUNTIME = '@interop/runtime';

const HOOK = `
let runtime, roots = [];
export function initialize(data) { runtime = data.runtime; roots = data.roots; }
export async function resolve(specifier, context, next) {
  if (specifier === ${JSON.stringify(RUNTIME)} && context.parentURL && roots.some((r) => context.parentURL.startsWith(r))) {
    return { url: runtime, shortCircuit: true };
  }
  return next(specifier, context);
}`;

export interface LoadedPackage {
  meta: PackageMeta;
  dir: string;
  pkg: Runtime.ModulePackage;
}

export interface RunningHost {
  node: Runtime.Node;
  loaded: LoadedPackage[];
  /** Closes the node (GOODBYE, plugins stopped) and aborts every module's `run`. */
  close(): Promise<void>;
}

/** Starts a node hosting every module of `config` from its package. */
export async function startPackageHost(configSource?: Runtime.NodeConfig | string): Promise<RunningHost> {
  const runtimeUrl = import.meta.resolve(RUNTIME);
  const rt = (await import(runtimeUrl)) as typeof Runtime;
  const config = rt.loadNodeConfig(configSource);
  const modules = config.modules ?? [];
  const missing = modules.filter((m) => config.packages?.[m] === undefined);
  if (missing.length > 0) {
    throw new LibraryError(`node ${config.node}: ${missing.join(', ')} has no package in the node config ("packages"); interop host hosts package modules only (see docs/library.md)`);
  }
  const dirs = modules.map((m) => path.resolve(config.packages![m]!));
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`, {
    data: { runtime: runtimeUrl, roots: dirs.map((d) => pathToFileURL(d + path.sep).href) },
  });

  let node: Runtime.Node | undefined;
  const host: Runtime.PackageHost = {
    get node(): Runtime.Node {
      if (!node) throw new LibraryError(`node ${config.node} has not started yet: use host.node from handlers or run(), not in create()`);
      return node;
    },
    config,
    log: (line) => console.log(line),
  };
  const loaded: LoadedPackage[] = [];
  for (const [i, module] of modules.entries()) loaded.push(await loadPackage(module, dirs[i]!, host));

  node = await rt.Node.start(config, {
    implementations: loaded.map((l) => [l.pkg.module, l.pkg.handlers] as [Runtime.ModuleDescriptor, object]),
    uses: loaded.flatMap((l) => [l.pkg.module, ...(l.pkg.uses ?? [])]),
  });
  const stop = new AbortController();
  for (const l of loaded) {
    if (!l.pkg.run) continue;
    void Promise.resolve()
      .then(() => l.pkg.run!(node!, stop.signal))
      .catch((err: unknown) => console.error(`${l.meta.name}: run() failed: ${err instanceof Error ? err.message : String(err)}`));
  }
  return {
    node,
    loaded,
    close: async () => {
      stop.abort();
      await node!.close();
    },
  };
}

async function loadPackage(module: string, dir: string, host: Runtime.PackageHost): Promise<LoadedPackage> {
  const metaFile = path.join(dir, META_FILE);
  let meta: PackageMeta;
  try {
    meta = checkMeta(JSON.parse(readFileSync(metaFile, 'utf8')), metaFile);
  } catch (err) {
    if (err instanceof LibraryError) throw err;
    throw new LibraryError(`${module}: cannot read ${metaFile} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (meta.name !== module) throw new LibraryError(`${metaFile}: describes ${meta.name}, but the node config hosts ${module} from it`);
  if (meta.language !== 'ts') throw new LibraryError(`${metaFile}: a ${meta.language} package; interop host loads TypeScript (ts) packages`);
  const entry = await import(pathToFileURL(path.join(dir, meta.entry)).href) as { create?: unknown };
  if (typeof entry.create !== 'function') throw new LibraryError(`${module}: ${meta.entry} does not export a function "create" (docs/library.md, "Writing a package")`);
  const pkg = (entry.create as Runtime.CreateModule)(host);
  if (pkg?.module?.name !== module) throw new LibraryError(`${module}: create() in ${meta.entry} returned the module "${String(pkg?.module?.name)}"`);
  // A package built from a library archive carries the fingerprint of the schema it was published with.
  if (meta.fingerprint !== undefined && pkg.module.fingerprint !== meta.fingerprint) {
    throw new LibraryError(`${module}: the code implements fingerprint ${pkg.module.fingerprint}, but the package's schema has ${meta.fingerprint}: it was built from another schema; rebuild and pack it again`);
  }
  return { meta, dir, pkg };
}
