// The example application from a module library, for real: its three modules are packed (with
// their build steps: interopc, tsc) and published into a library that a real HTTP server on
// loopback serves; then the modules' code is deleted from a copy of the example, and `interop run
// app-library.json` downloads, checks and caches the packages, node hosts in TypeScript and Python
// load them, and the application runs to its end. With the server stopped, interop.lock and the
// cache start it again. Everything happens in a scratch folder (the cache too), removed afterwards.

import { spawn } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { publishToFolder } from '../../runtime-ts/src/library/library-index.js';
import { pack } from '../../runtime-ts/src/library/pack.js';
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

describe('examples/greenhouse from a module library', () => {
  it('interop run downloads the missing modules and runs; stopped library: the lockfile and the cache still start it', async () => {
    const root = tempDir('il-greenhouse-library-');
    const app = path.join(root, 'greenhouse');
    // A copy of the example, outside the repository; node_modules gives it tsx and @interop/runtime.
    cpSync(path.join(REPO, 'examples/greenhouse'), app, {
      recursive: true,
      filter: (src) => !/(^|\/)(gen|dist|out|__pycache__)$/.test(src) && !src.endsWith('interop.lock'),
    });
    symlinkSync(path.join(REPO, 'node_modules'), path.join(app, 'node_modules'));
    const config = path.join(app, 'app-library.json');
    writeFileSync(config, readFileSync(config, 'utf8').replaceAll('../../', `${REPO}/`));

    // The module authors' side: pack (running each package's build) and publish.
    const library = path.join(root, 'library');
    for (const source of ['python/sensors', 'python/advisor', 'ts']) {
      publishToFolder(pack(path.join(app, source), { outDir: path.join(root, 'dist'), quietBuild: true }).file, library);
    }
    // The application's side: no module code here any more, only the hub program and the schemas.
    for (const gone of ['python', 'ts/climate.ts', 'ts/climate-module.ts', 'ts/climate-node.ts', 'ts/interop-package.json', 'ts/tsconfig.package.json', 'ts/dist']) {
      rmSync(path.join(app, gone), { recursive: true, force: true });
    }
    const server = await LibraryServer.start(library);
    servers.push(server);
    const env = { INTEROP_CACHE_DIR: path.join(root, 'cache'), INTEROP_RUN_ROOT: path.join(root, 'run'), GREENHOUSE_READINGS: '3', GREENHOUSE_INTERVAL_MS: '100' };

    const first = await interopRun(['--library', server.url, 'app-library.json'], app, env);
    expect(first.out).toContain('from libraries: 3 downloaded, 0 already in the cache; interop.lock written');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/climate +\| interop host: node climate serves greenhouse\.climate 1\.0\.0 from packages/);
    expect(first.out).toMatch(/sensors +\| interop host: node sensors serves greenhouse\.sensors 1\.0\.0 from packages/);
    expect(first.out).toMatch(/climate +\| \[advisor plugin\] started by its parent/);
    expect(first.out).toContain('step 4, greenhouse.climate.summary(): 3 readings');
    expect(server.requests.filter((r) => r.endsWith('.tgz')).sort()).toEqual([
      '/greenhouse.advisor/greenhouse.advisor-1.0.0-python-any.tgz',
      '/greenhouse.climate/greenhouse.climate-1.0.0-ts-any.tgz',
      '/greenhouse.sensors/greenhouse.sensors-1.0.0-python-any.tgz',
    ]);
    const lock = JSON.parse(readFileSync(path.join(app, 'interop.lock'), 'utf8'));
    expect(Object.keys(lock.packages)).toEqual(['greenhouse.advisor', 'greenhouse.climate', 'greenhouse.sensors']);

    await server.close();
    servers.pop();
    const again = await interopRun(['--no-prepare', '--library', server.url, 'app-library.json'], app, env);
    expect(again.out).toContain('from libraries: 0 downloaded, 3 already in the cache');
    expect(again.code).toBe(0);
    expect(again.out).toContain('step 4, greenhouse.climate.summary(): 3 readings');
    expect(readdirSync(path.join(root, 'run'))).toEqual([]); // every run directory removed
  }, 400_000);
});
