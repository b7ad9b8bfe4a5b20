// The module library's commands (docs/library.md): `interop pack` makes a package archive from a
// source folder, `interop publish` adds archives to a library folder, `interop fetch` resolves and
// downloads an application's packages ahead of time and writes interop.lock, `interop host` is the
// TypeScript node host that loads package modules. `interop run` does what fetch does before it
// starts the nodes (run-command.ts), with the same options.

import type { Argv } from 'yargs';
import { describeResolved, resolveAppPackages, type LibraryOptions } from '../library/app-packages.js';
import { LibraryError } from '../library/errors.js';
import { publishToFolder } from '../library/library-index.js';
import { describePacked, pack } from '../library/pack.js';
import { startPackageHost } from '../library/package-host.js';
import { terminalProgress } from '../library/progress.js';
import { publicKeyText, readSigningKey } from '../library/signing.js';
import { AppConfigError, loadAppConfig } from '../supervisor/app-config.js';

/** The options `run` and `fetch` share. */
export function libraryOptions<T>(y: Argv<T>) {
  return y
    // Not `array: true`, which would swallow the config's path: repeat the option instead.
    .option('library', { type: 'string', describe: 'A module library (URL or folder), tried before the config\'s "libraries"; repeat it for several' })
    .option('offline', { type: 'boolean', default: false, describe: 'Never use the network: interop.lock and the cache only' })
    .option('cache-dir', { type: 'string', describe: 'The package cache (default: $INTEROP_CACHE_DIR, else ~/.cache/interop)' });
}

export function toLibraryOptions(a: { library?: string | string[] | undefined; offline: boolean; 'cache-dir'?: string | undefined }, command: string): LibraryOptions {
  return {
    ...(a.library !== undefined ? { libraries: ([] as string[]).concat(a.library) } : {}),
    offline: a.offline,
    ...(a['cache-dir'] !== undefined ? { cacheDir: a['cache-dir'] } : {}),
    progress: terminalProgress(),
    log: (line) => process.stderr.write(`interop ${command}: ${line}\n`),
  };
}

/** Runs `work`, turning the library's refusals into one message and exit code 1. */
async function reporting(command: string, work: () => Promise<number> | number): Promise<number> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AppConfigError) {
      process.stderr.write(`interop ${command}: ${err.message}\n`);
      return 2;
    }
    if (err instanceof LibraryError || (err instanceof Error && err.name === 'ConfigError')) {
      process.stderr.write(`interop ${command}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * Adds the library's commands to the CLI. `failed` tells whether yargs already reported a usage
 * error, after which it still calls the handler (main.ts): the handler then does nothing.
 */
export function registerLibraryCommands<T>(y: Argv<T>, done: (code: number) => void, failed: () => boolean): Argv<T> {
  const run = async (command: string, work: () => Promise<number> | number): Promise<void> => {
    if (!failed()) done(await reporting(command, work));
  };
  return y
    .command(
      'pack [source]',
      'Make a package archive (one module version, one language) from a folder with interop-package.json',
      (c) =>
        c
          .positional('source', { type: 'string', default: '.', describe: 'The package folder, or its interop-package.json' })
          .option('out', { type: 'string', default: '.', describe: 'Folder to write the archive into' })
          .option('build', { type: 'boolean', default: true, describe: 'Run the package\'s "build" commands first (--no-build skips them)' })
          .example('$0 pack modules/sensors --out dist/', 'writes dist/greenhouse.sensors-1.0.0-python-any.tgz'),
      async (a) => run('pack', () => {
        process.stdout.write(`${describePacked(pack(a.source, { outDir: a.out, build: a.build }))}\n`);
        return 0;
      }),
    )
    .command(
      'publish <archives..>',
      'Add package archives to a library folder (serve it with any static HTTP server)',
      (c) =>
        c
          .positional('archives', { type: 'string', array: true, describe: 'Archives made by interop pack' })
          .option('library', { type: 'string', demandOption: true, describe: 'The library folder (created if missing)' })
          .option('sign-key', { type: 'string', describe: 'An Ed25519 private key (PEM) that signs each module index it updates' })
          .example('$0 publish dist/*.tgz --library /srv/interop-library', 'then serve /srv/interop-library over HTTP')
          .example('$0 publish dist/*.tgz --library /srv/lib --sign-key key.pem', 'signed (openssl genpkey -algorithm ed25519 -out key.pem)'),
      async (a) => run('publish', () => {
        const key = a['sign-key'] !== undefined ? readSigningKey(a['sign-key']) : undefined;
        for (const archive of a.archives ?? []) {
          const p = publishToFolder(archive, a.library, key);
          const state = p.added ? 'published' : 'already published (identical)';
          process.stdout.write(`${p.meta.name} ${p.meta.version} (${p.meta.language}, ${p.meta.platform}): ${state} as ${a.library}/${p.meta.name}/${p.file}, sha256 ${p.sha256}\n`);
        }
        if (key) process.stdout.write(`indexes signed by ${publicKeyText(key)}: give this key in the "keys" of the library in app configs\n`);
        return 0;
      }),
    )
    .command(
      'fetch <config>',
      'Resolve, download and check every package an application needs; write interop.lock',
      (c) =>
        libraryOptions(c)
          .positional('config', { type: 'string', describe: 'The application config (app.json)' })
          .option('update', { type: 'boolean', default: false, describe: 'Resolve again from the libraries, ignoring interop.lock' })
          .example('$0 fetch app.json', 'before going offline, or in a container build')
          .example('$0 fetch --update app.json', 'take the newest versions the ranges allow'),
      async (a) => run('fetch', async () => {
        const app = loadAppConfig(a.config!);
        const resolved = await resolveAppPackages(app, { ...toLibraryOptions(a, 'fetch'), update: a.update });
        for (const [module, p] of resolved.modules) {
          process.stdout.write(`${module} ${p.meta.version} (${p.meta.language}, ${p.meta.platform}) for node "${p.node}": ${p.dir}\n`);
        }
        process.stdout.write(`interop fetch: ${describeResolved(resolved)}\n`);
        return 0;
      }),
    )
    .command(
      'host [config]',
      'Run a node whose modules are packages (the TypeScript node host; interop run starts it from app.json)',
      (c) =>
        c
          .positional('config', { type: 'string', describe: 'The node config (default: INTEROP_NODE_CONFIG); its "packages" name each module\'s folder' })
          .example('$0 host node.json', 'serve the package modules node.json names'),
      async (a) => run('host', () => host(a.config)),
    );
}

/** Serves until SIGTERM/SIGINT, or until the parent of a stdio plugin goes away. */
async function host(config: string | undefined): Promise<number> {
  const running = await startPackageHost(config);
  const { node } = running;
  const names = running.loaded.map((l) => `${l.meta.name} ${l.meta.version}`).join(', ');
  process.stderr.write(`interop host: node ${node.config.node} serves ${names || 'no module'} from packages\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => resolve());
    void node.done.then(() => resolve());
  });
  await running.close();
  return 0;
}
