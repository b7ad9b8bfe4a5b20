#!/usr/bin/env node
// Runs the compiler from a bundle of its TypeScript sources that can never be older than they are
// (docs/adr/0003-run-from-source.md). compiler/dist/cli/main.mjs is an esbuild bundle of
// src/cli/main.ts and its dependencies (prettier, loaded only by `gen --format`, stays outside);
// its first line records a key of the sources it was built from: the path, size and mtime of every
// file under compiler/src, plus the lock file. When the key differs (a fresh clone, an edit, a
// pull, `npm ci`), the bundle is rebuilt first, which takes well under a second. If it cannot be
// built (no esbuild, a read-only checkout) or INTEROPC_FROM_SOURCE=1 is set, the sources run
// through tsx as before, which costs about 2 s of start-up and is slower at run time.
// The bundle sits at dist/cli/ so that relative URLs in src/cli/main.ts (../../package.json)
// resolve to the same files.

import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const compilerDir = join(here, '..');
const srcDir = join(compilerDir, 'src');
const bundle = join(compilerDir, 'dist', 'cli', 'main.mjs');
const KEY_PREFIX = '// interopc-bundle-key: ';

function sourcesKey() {
  const hash = createHash('sha256');
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else {
        const s = statSync(p);
        hash.update(`${p}\0${s.size}\0${s.mtimeMs}\n`);
      }
    }
  };
  walk(srcDir);
  // Bundled dependencies (chevrotain, yargs) change only with the lock file.
  for (const lock of [join(compilerDir, '..', 'package-lock.json'), join(compilerDir, 'package.json')]) {
    try {
      const s = statSync(lock);
      hash.update(`${lock}\0${s.size}\0${s.mtimeMs}\n`);
    } catch {
      // no lock file: the sources alone
    }
  }
  return hash.digest('hex');
}

function bundleKey() {
  let fd;
  try {
    fd = openSync(bundle, 'r');
    const buf = Buffer.alloc(KEY_PREFIX.length + 64);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('utf8');
    return head.startsWith(KEY_PREFIX) ? head.slice(KEY_PREFIX.length) : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function build(key) {
  // esbuild comes with tsx (a dependency of this repository), so resolve it from there.
  const requireFromTsx = createRequire(createRequire(import.meta.url).resolve('tsx'));
  const esbuild = requireFromTsx('esbuild');
  mkdirSync(dirname(bundle), { recursive: true });
  // Built beside the bundle and renamed over it: concurrent runs never see half a file.
  const tmp = `${bundle}.${process.pid}.tmp`;
  try {
    await esbuild.build({
      entryPoints: [join(srcDir, 'cli', 'main.ts')],
      outfile: tmp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['prettier'],
      banner: {
        // First line: the key. Then a `require` for the CommonJS dependencies inside the ES module.
        js: `${KEY_PREFIX}${key}\nimport { createRequire as __interopcRequire } from 'node:module';\nconst require = __interopcRequire(import.meta.url);`,
      },
      logLevel: 'silent',
    });
    renameSync(tmp, bundle);
  } finally {
    rmSync(tmp, { force: true });
  }
}

async function loadMain() {
  if (process.env.INTEROPC_FROM_SOURCE !== '1') {
    try {
      const key = sourcesKey();
      if (bundleKey() !== key) await build(key);
      return (await import(pathToFileURL(bundle).href)).main;
    } catch (e) {
      if (process.env.INTEROPC_DEBUG) process.stderr.write(`interopc: running from source (${e?.message ?? e})\n`);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('../src/cli/main.ts')).main;
}

const main = await loadMain();
process.exitCode = await main(process.argv.slice(2));
