// `interop host`, the TypeScript node host for package modules, refuses what it cannot host with
// a message and exit code 1 (the happy path runs in example-library.test.ts): a module without a
// package, an entry without `create`, and code generated from another schema than the package's.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';


const BIN = fileURLToPath(new URL('../../runtime-ts/bin/interop.mjs', import.meta.url));

function host(config: object): { code: number | null; stderr: string } {
  const dir = tempDir('il-host-');
  const file = path.join(dir, 'node.json');
  writeFileSync(file, JSON.stringify(config));
  const r = spawnSync(process.execPath, [BIN, 'host', file], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr };
}

function tsPackage(entrySource: string, fingerprint = `sha256:${'0'.repeat(64)}`): string {
  const dir = path.join(tempDir('il-host-pkg-'), 'demo.a');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), '{ "type": "module" }');
  writeFileSync(path.join(dir, 'impl.js'), entrySource);
  const meta = { name: 'demo.a', version: '1.0.0', license: 'MIT', language: 'ts', platform: 'any', entry: 'impl.js', schemas: ['schema/a.interop'], fingerprint };
  writeFileSync(path.join(dir, 'interop-package.json'), JSON.stringify(meta));
  return dir;
}

describe('interop host', { timeout: 120_000 }, () => {
  it('refuses a module without a package, an entry without create, and code built from another schema', () => {
    const none = host({ node: 'n', modules: ['demo.a'] });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('interop host: node n: demo.a has no package in the node config ("packages")');

    const noCreate = host({ node: 'n', modules: ['demo.a'], packages: { 'demo.a': tsPackage('export const nothing = 1;\n') } });
    expect(noCreate.code).toBe(1);
    expect(noCreate.stderr).toContain('demo.a: impl.js does not export a function "create"');

    const otherSchema = tsPackage(`export function create() { return { module: { name: 'demo.a', fingerprint: 'sha256:${'1'.repeat(64)}' }, handlers: {} }; }\n`);
    const mismatch = host({ node: 'n', modules: ['demo.a'], packages: { 'demo.a': otherSchema } });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`demo.a: the code implements fingerprint sha256:${'1'.repeat(64)}, but the package's schema has sha256:${'0'.repeat(64)}`);
    expect(mismatch.stderr).not.toMatch(/\n\s+at /);
  });
});
