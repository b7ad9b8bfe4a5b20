// A fresh npm project outside the clone that installs the packed tarballs as a user would, but
// offline: its package-lock.json is written here, with the tarballs by path and integrity and
// every registry package at the version this repository's own lock file has (so from the npm
// cache that `npm ci` filled), and then `npm ci --offline` installs it.

import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../ts/generated.js';

interface LockEntry {
  version: string;
  dependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface Packed {
  name: string;
  version: string;
  file: string;
  integrity: string;
  /** The package.json inside the tarball. */
  manifest: LockEntry & { name: string };
}

/** Runs scripts/pack-npm.mjs: the three tarballs in `out`. */
export function packNpm(out: string): Packed[] {
  return JSON.parse(execFileSync(process.execPath, [join(REPO, 'scripts/pack-npm.mjs'), out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })) as Packed[];
}

/** Writes package.json (with `scripts`) and package-lock.json for `packed` plus `devTools` (names in the repo's lock), then installs. */
export function installFresh(dir: string, packed: Packed[], devTools: string[], scripts: Record<string, string>): void {
  const repoLock = (JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> }).packages;
  const packages: Record<string, unknown> = {};
  const dependencies: Record<string, string> = {};
  const devDependencies: Record<string, string> = {};
  const wanted: string[] = [];
  for (const p of packed) {
    const m = p.manifest;
    dependencies[p.name] = `file:${p.file}`;
    const { name: _, description: _d, exports: _e, files: _f, main: _m, types: _t, type: _ty, keywords: _k, sideEffects: _s, scripts: _sc, ...rest } = m;
    packages[`node_modules/${p.name}`] = { ...rest, version: p.version, resolved: `file:${p.file}`, integrity: p.integrity };
    wanted.push(...Object.keys(m.dependencies ?? {}).filter((d) => !packed.some((o) => o.name === d)));
  }
  for (const tool of devTools) devDependencies[tool] = repoLock[`node_modules/${tool}`]!.version;
  wanted.push(...devTools);
  while (wanted.length > 0) {
    const name = wanted.pop()!;
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const entry = repoLock[key];
    if (!entry) throw new Error(`${name} is not in package-lock.json: the packages depend on something the repository does not install`);
    // The repo's lock marks these dev: in this project they are what the packages need.
    const { dev: _, devOptional: _o, ...kept } = entry;
    packages[key] = devTools.includes(name) ? { ...kept, dev: true } : kept;
    wanted.push(...Object.keys(entry.dependencies ?? {}));
  }
  const manifest = { name: 'fresh-app', version: '1.0.0', private: true, type: 'module', scripts, dependencies, devDependencies };
  packages[''] = { name: manifest.name, version: manifest.version, dependencies, devDependencies };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages }, null, 2));
  const npm = (mode: string) => execFileSync('npm', ['ci', mode, '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    npm('--offline');
  } catch (err) {
    // A machine whose npm cache was cleared after `npm ci`: fetch only what is missing.
    if (!/ENOTCACHED/.test(String((err as { stderr?: string }).stderr))) throw err;
    npm('--prefer-offline');
  }
}
