// The example application from a module library, for real: its four modules are packed (with
// their build steps: interopc, tsc, CMake) and published into a library that a real HTTP server
// on loopback serves; then the modules' code is deleted from a copy of the example, and `interop
// run app-library.json` downloads, checks and caches the packages, the node hosts of TypeScript,
// Python and C load them, and the application runs to its end. With the server stopped,
// interop.lock and the cache start it again. Then the native node host's refusals, on the package
// it just ran. Everything happens in a scratch folder (the cache too), removed afterwards.

import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { publishToFolder } from '../../runtime-ts/src/library/library-index.js';
import { pack } from '../../runtime-ts/src/library/pack.js';
import { hostPlatform } from '../../runtime-ts/src/library/package-meta.js';
import { tempDir } from '../temp.js';
import { LibraryServer } from './helpers.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = path.join(REPO, 'runtime-ts/bin/interop.mjs');
const servers: LibraryServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

/** `interop run` as a user runs it; resolves with its exit code and output. */
function interopRun(args: string[], cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'run', ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

/** What the first test leaves for the second: the native node host it built, the filter's package. */
let nativeHost: string | undefined;
let filterPackage: string | undefined;

describe('examples/greenhouse from a module library', () => {
  it('interop run downloads the missing modules and runs; stopped library: the lockfile and the cache still start it', async () => {
    const root = tempDir('il-gh-');
    // A copy of the example in a folder shaped like the repository (links to the runtimes, the
    // compiler and node_modules), so its relative paths hold as they are.
    for (const part of ['node_modules', 'compiler', 'runtime-ts', 'runtime-python', 'runtime-c']) symlinkSync(path.join(REPO, part), path.join(root, part));
    const app = path.join(root, 'examples', 'greenhouse');
    cpSync(path.join(REPO, 'examples/greenhouse'), app, {
      recursive: true,
      filter: (src) => !/(^|\/)(gen|dist|out|__pycache__)$/.test(src) && !src.endsWith('interop.lock'),
    });

    // The module authors' side: pack (running each package's build) and publish.
    const library = path.join(root, 'library');
    for (const source of ['python/sensors', 'python/advisor', 'ts', 'c']) {
      publishToFolder(pack(path.join(app, source), { outDir: path.join(root, 'dist'), quietBuild: true }).file, library);
    }
    // The application's side: no module code here any more, only the hub program, the schemas and
    // the native node host (c/build.sh --host-only keeps it up to date).
    const moduleCode = ['python', 'ts/climate.ts', 'ts/climate-module.ts', 'ts/climate-node.ts', 'ts/interop-package.json', 'ts/tsconfig.package.json', 'ts/dist'];
    moduleCode.push('c/filter.c', 'c/interop-package.json', 'c/out/libgreenhouse_filter.so');
    for (const gone of moduleCode) rmSync(path.join(app, gone), { recursive: true, force: true });
    const server = await LibraryServer.start(library);
    servers.push(server);
    const env = { INTEROP_CACHE_DIR: path.join(root, 'cache'), INTEROP_RUN_ROOT: path.join(root, 'run'), GREENHOUSE_READINGS: '3', GREENHOUSE_INTERVAL_MS: '100' };

    const first = await interopRun(['--library', server.url, 'app-library.json'], app, env);
    expect(first.out).toContain('from libraries: 4 downloaded, 0 already in the cache; interop.lock written');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/climate +\| interop host: node climate serves greenhouse\.climate 1\.0\.0 from packages/);
    expect(first.out).toMatch(/sensors +\| interop host: node sensors serves greenhouse\.sensors 1\.0\.0 from packages/);
    expect(first.out).toMatch(/climate +\| \[advisor plugin\] started by its parent/);
    expect(first.out).toMatch(/hub +\| {3}reading 1\/3: .* \(smoothed in C: -?[0-9.]+ °C\)/); // the filter, from its package
    expect(first.out).toContain('step 4, greenhouse.climate.summary(): 3 readings');
    expect(server.requests.filter((r) => r.endsWith('.tgz')).sort()).toEqual([
      '/greenhouse.advisor/greenhouse.advisor-1.0.0-python-any.tgz',
      '/greenhouse.climate/greenhouse.climate-1.0.0-ts-any.tgz',
      `/greenhouse.filter/greenhouse.filter-1.0.0-c-${hostPlatform()}.tgz`,
      '/greenhouse.sensors/greenhouse.sensors-1.0.0-python-any.tgz',
    ]);
    const lock = JSON.parse(readFileSync(path.join(app, 'interop.lock'), 'utf8'));
    expect(Object.keys(lock.packages)).toEqual(['greenhouse.advisor', 'greenhouse.climate', 'greenhouse.filter', 'greenhouse.sensors']);
    expect(existsSync(path.join(app, 'c/out/libgreenhouse_filter.so'))).toBe(false); // prepare built the host only

    await server.close();
    servers.pop();
    const again = await interopRun(['--no-prepare', '--library', server.url, 'app-library.json'], app, env);
    expect(again.out).toContain('from libraries: 0 downloaded, 4 already in the cache');
    expect(again.code).toBe(0);
    expect(again.out).toContain('step 4, greenhouse.climate.summary(): 3 readings');
    expect(readdirSync(path.join(root, 'run'))).toEqual([]); // every run directory removed

    nativeHost = path.join(app, 'c/out/runtime-c/interop-node');
    filterPackage = path.join(root, 'cache', 'packages', lock.packages['greenhouse.filter'].sha256);
  }, 600_000);

  describe('interop-node refuses a package it cannot host, before the node starts', () => {
    /** interop-node hosting greenhouse.filter from a copy of its package with `edit` applied to the metadata. */
    function hostEdited(edit: (meta: Record<string, unknown>) => void): { code: number | null; stderr: string } {
      expect(nativeHost, 'the test above builds the native node host').toBeDefined();
      const dir = path.join(tempDir('il-native-'), 'pkg');
      cpSync(filterPackage!, dir, { recursive: true });
      const metaFile = path.join(dir, 'interop-package.json');
      const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
      edit(meta);
      writeFileSync(metaFile, JSON.stringify(meta));
      const config = JSON.stringify({ node: 'filter', modules: ['greenhouse.filter'], packages: { 'greenhouse.filter': dir } });
      const r = spawnSync(nativeHost!, ['--config', config], { encoding: 'utf8', timeout: 30_000 });
      return { code: r.status, stderr: r.stderr };
    }

    it.each([
      ['code built from another schema', (m: Record<string, unknown>) => (m['fingerprint'] = `sha256:${'0'.repeat(64)}`), /implements fingerprint sha256:[0-9a-f]{64}, but the package's schema has sha256:0{64}: it was built from another schema; rebuild and pack it again/],
      ['another platform', (m: Record<string, unknown>) => (m['platform'] = 'plan9-mips'), new RegExp(`built for plan9-mips, this machine is ${hostPlatform()}: publish a build for it, or host the module elsewhere`)],
      ['an entry outside the package', (m: Record<string, unknown>) => (m['entry'] = '../pkg/out/libgreenhouse_filter.so'), /entry "\.\.\/pkg\/out\/libgreenhouse_filter\.so" is not a path inside the package folder/],
      ['a package of another language', (m: Record<string, unknown>) => (m['language'] = 'ts'), /a ts package; interop-node loads native packages \(c, cpp, d, haskell\)/],
      ['a package of another module', (m: Record<string, unknown>) => (m['name'] = 'greenhouse.other'), /describes greenhouse\.other, but the node config hosts greenhouse\.filter from it/],
    ])('%s', (_what, edit, message) => {
      const r = hostEdited(edit);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/^interop-node: /);
      expect(r.code).toBe(1);
    });
  });
});
