// `interop pack` and `interop publish` through the real CLI and through the functions: the archive
// holds what the package says, the same inputs give the same sha256, mistakes are refused with the
// field to fix, and a published artifact never changes.

import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { publishToFolder } from '../../runtime-ts/src/library/library-index.js';
import { pack } from '../../runtime-ts/src/library/pack.js';
import { hostPlatform } from '../../runtime-ts/src/library/package-meta.js';
import { publicKeyText, verifyIndex } from '../../runtime-ts/src/library/signing.js';
import { readTgz } from '../../runtime-ts/src/library/tar.js';
import { tempDir } from '../temp.js';
import { writePackageSource } from './helpers.js';

const BIN = fileURLToPath(new URL('../../runtime-ts/bin/interop.mjs', import.meta.url));

function interop(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function editMeta(folder: string, edit: (m: Record<string, unknown>) => void): void {
  const file = path.join(folder, 'interop-package.json');
  const meta = JSON.parse(readFileSync(file, 'utf8'));
  edit(meta);
  writeFileSync(file, JSON.stringify(meta));
}

const packError = (folder: string): string => {
  try {
    pack(folder, { outDir: path.join(folder, 'out') });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('pack succeeded');
};

describe('interop pack', { timeout: 120_000 }, () => {
  it('writes metadata with the fingerprint, the manifest, the schema and the implementation, reproducibly', () => {
    const root = tempDir('il-pack-');
    const folder = writePackageSource(root, { name: 'demo.a', version: '1.2.3', dependencies: { 'demo.b': '^1.0.0' } });
    const first = interop(['pack', folder, '--out', path.join(root, 'one')], root);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/demo\.a-1\.2\.3-python-any\.tgz: demo\.a 1\.2\.3 \(python, any\), \d+ B, sha256 [0-9a-f]{64}/);
    const again = interop(['pack', path.join(folder, 'interop-package.json'), '--out', path.join(root, 'two')], root);
    const sha = (out: string) => out.match(/sha256 ([0-9a-f]{64})/)![1];
    expect(sha(again.stdout)).toBe(sha(first.stdout));

    const files = readTgz(readFileSync(path.join(root, 'one', 'demo.a-1.2.3-python-any.tgz')), 'a');
    expect(files.map((f) => f.path)).toEqual(['impl.py', 'interop-package.json', 'manifest.json', 'schema/module.interop']);
    const meta = JSON.parse(Buffer.from(files[1]!.data).toString());
    const manifest = JSON.parse(Buffer.from(files[2]!.data).toString());
    expect(meta).toMatchObject({ name: 'demo.a', version: '1.2.3', schemas: ['schema/module.interop'], dependencies: { 'demo.b': '^1.0.0' } });
    expect(meta.fingerprint).toBe(manifest.modules[0].fingerprint);
    expect(meta.fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses a version the schema does not have, a depends without a range, a missing entry, files outside the folder, links', () => {
    const root = tempDir('il-pack-bad-');
    const folder = writePackageSource(root, { name: 'demo.a', version: '1.0.0', dependencies: { 'demo.b': '^1.0.0' } });
    editMeta(folder, (m) => (m['version'] = '2.0.0'));
    expect(packError(folder)).toContain('version: "2.0.0", but module.interop says version "1.0.0"; they must agree');
    editMeta(folder, (m) => {
      m['version'] = '1.0.0';
      m['dependencies'] = {};
    });
    expect(packError(folder)).toContain('the schema says "depends demo.b;": give it a version range');
    editMeta(folder, (m) => {
      m['dependencies'] = { 'demo.b': '^1', 'demo.c': '^1' };
    });
    expect(packError(folder)).toContain('dependencies.demo.c: the schema has no "depends demo.c;"');
    editMeta(folder, (m) => {
      m['dependencies'] = { 'demo.b': 'not a range' };
    });
    expect(packError(folder)).toContain('dependencies.demo.b: "not a range" is not a version range');
    editMeta(folder, (m) => {
      m['dependencies'] = { 'demo.b': '^1' };
      m['entry'] = 'missing:create';
    });
    expect(packError(folder)).toContain('entry: "missing:create" is not among the packed files (looked for missing.py or missing/__init__.py)');
    editMeta(folder, (m) => {
      m['entry'] = 'impl:create';
      m['files'] = ['../elsewhere.py'];
    });
    expect(packError(folder)).toContain('files: "../elsewhere.py" is not inside the package folder');
    symlinkSync('/etc/hostname', path.join(folder, 'link.py'));
    editMeta(folder, (m) => (m['files'] = ['impl.py', 'link.py']));
    expect(packError(folder)).toContain('"link.py" is a symbolic link');
    editMeta(folder, (m) => {
      m['files'] = ['impl.py'];
      m['language'] = 'c';
    });
    expect(packError(folder)).toContain('platform: native code (c) runs on one OS and CPU');
    editMeta(folder, (m) => {
      m['language'] = 'python';
      m['licence'] = 'MIT';
    });
    expect(packError(folder)).toContain('licence: is not a known field');
  });

  it('native code says "host": the archive names the machine that packed it; its entry stays inside the package', () => {
    const root = tempDir('il-pack-native-');
    const folder = writePackageSource(root, { name: 'demo.a', version: '1.0.0', language: 'c', platform: 'host' });
    const packed = pack(folder, { outDir: path.join(root, 'out') });
    expect(path.basename(packed.file)).toBe(`demo.a-1.0.0-c-${hostPlatform()}.tgz`);
    const meta = readTgz(readFileSync(packed.file), 'a').find((f) => f.path === 'interop-package.json')!;
    expect(JSON.parse(Buffer.from(meta.data).toString())).toMatchObject({ language: 'c', platform: hostPlatform() });
    editMeta(folder, (m) => (m['entry'] = '../impl.js'));
    expect(packError(folder)).toContain('entry: a path inside the package folder, got "../impl.js" ("../impl.js" climbs out of the package folder (".."))');
  });

  it('runs the build commands first, and stops on a failing one', () => {
    const root = tempDir('il-pack-build-');
    const folder = writePackageSource(root, { name: 'demo.a', version: '1.0.0' });
    editMeta(folder, (m) => {
      m['files'] = ['impl.py', 'built.txt'];
      m['build'] = [['sh', '-c', 'echo made > built.txt']];
    });
    const packed = pack(folder, { outDir: path.join(root, 'out') });
    const built = readTgz(readFileSync(packed.file), 'a').find((f) => f.path === 'built.txt');
    expect(Buffer.from(built!.data).toString()).toBe('made\n');
    expect(JSON.parse(Buffer.from(readTgz(readFileSync(packed.file), 'a').find((f) => f.path === 'interop-package.json')!.data).toString())).not.toHaveProperty('build');
    editMeta(folder, (m) => (m['build'] = [['sh', '-c', 'exit 3']]));
    expect(packError(folder)).toContain('build[0] failed (exit code 3): sh -c exit 3');
  });

  it('a schema error is reported as interopc reports it, with exit code 1', () => {
    const root = tempDir('il-pack-schema-');
    const folder = writePackageSource(root, { name: 'demo.a', version: '1.0.0' });
    writeFileSync(path.join(folder, 'module.interop'), 'module demo.a version "1.0.0";\nfn ping() -> Nope;\n');
    const r = interop(['pack', folder, '--out', root], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the schemas have errors (interopc manifest)');
    expect(r.stderr).toContain('module.interop:2');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('interop publish', { timeout: 120_000 }, () => {
  it('adds archives to a library folder, is idempotent, and never changes a published artifact', () => {
    const root = tempDir('il-publish-');
    const lib = path.join(root, 'lib');
    const a1 = pack(writePackageSource(root, { name: 'demo.a', version: '1.0.0' }), { outDir: path.join(root, 'out') });
    const r = interop(['publish', a1.file, '--library', lib], root);
    expect(r.stdout).toContain(`demo.a 1.0.0 (python, any): published as ${lib}/demo.a/demo.a-1.0.0-python-any.tgz, sha256 ${a1.sha256}`);
    expect(interop(['publish', a1.file, '--library', lib], root).stdout).toContain('already published (identical)');

    const index = JSON.parse(readFileSync(path.join(lib, 'demo.a', 'index.json'), 'utf8'));
    expect(index.versions['1.0.0'].artifacts).toEqual([{ file: 'demo.a-1.0.0-python-any.tgz', language: 'python', platform: 'any', sha256: a1.sha256, size: a1.size }]);
    expect(JSON.parse(readFileSync(path.join(lib, 'index.json'), 'utf8'))).toEqual({ format: 'interop-library/1', modules: { 'demo.a': { latest: '1.0.0' } } });

    // Same name and version, other bytes: refused.
    const other = tempDir('il-publish-other-');
    const changed = writePackageSource(other, { name: 'demo.a', version: '1.0.0' });
    writeFileSync(path.join(changed, 'impl.py'), '# something else\n');
    const a1b = pack(changed, { outDir: path.join(other, 'out') });
    const refused = interop(['publish', a1b.file, '--library', lib], root);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is already published with other contents');
    expect(refused.stderr).toContain('bump the version');

    // Another language of the same version is one more artifact; a newer version is listed after.
    const ts = pack(writePackageSource(root, { name: 'demo.a', version: '1.0.0', language: 'ts' }), { outDir: path.join(root, 'out') });
    publishToFolder(ts.file, lib);
    publishToFolder(pack(writePackageSource(root, { name: 'demo.a', version: '1.10.0' }), { outDir: path.join(root, 'out') }).file, lib);
    publishToFolder(pack(writePackageSource(root, { name: 'demo.a', version: '1.9.0' }), { outDir: path.join(root, 'out') }).file, lib);
    const after = JSON.parse(readFileSync(path.join(lib, 'demo.a', 'index.json'), 'utf8'));
    expect(Object.keys(after.versions)).toEqual(['1.0.0', '1.9.0', '1.10.0']);
    expect(after.versions['1.0.0'].artifacts.map((a: { language: string }) => a.language)).toEqual(['python', 'ts']);
    expect(JSON.parse(readFileSync(path.join(lib, 'index.json'), 'utf8')).modules['demo.a'].latest).toBe('1.10.0');
  });

  it('refuses what is not a package archive', () => {
    const root = tempDir('il-publish-bad-');
    writeFileSync(path.join(root, 'x.tgz'), 'not gzip');
    const r = interop(['publish', path.join(root, 'x.tgz'), '--library', path.join(root, 'lib')], root);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x.tgz: refused: not a gzip file');
    expect(existsSync(path.join(root, 'lib'))).toBe(false);
  });

  it('--sign-key signs each index it updates and prints the public key; an unsigned publish into a signed index is refused', () => {
    const root = tempDir('il-publish-signed-');
    const lib = path.join(root, 'lib');
    const key = generateKeyPairSync('ed25519').privateKey;
    const pem = path.join(root, 'key.pem');
    writeFileSync(pem, key.export({ type: 'pkcs8', format: 'pem' }));
    const a1 = pack(writePackageSource(root, { name: 'demo.a', version: '1.0.0' }), { outDir: path.join(root, 'out') });
    const r = interop(['publish', a1.file, '--library', lib, '--sign-key', pem], root);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`indexes signed by ${publicKeyText(key)}: give this key in the "keys" of the library in app configs`);
    const signature = JSON.parse(readFileSync(path.join(lib, 'demo.a', 'index.json.sig'), 'utf8'));
    expect(signature.key).toBe(publicKeyText(key));
    expect(() => verifyIndex(readFileSync(path.join(lib, 'demo.a', 'index.json')), JSON.stringify(signature), [signature.key], 'x')).not.toThrow();

    const a2 = pack(writePackageSource(root, { name: 'demo.a', version: '1.1.0' }), { outDir: path.join(root, 'out') });
    const unsigned = interop(['publish', a2.file, '--library', lib], root);
    expect(unsigned.code).toBe(1);
    expect(unsigned.stderr).toContain(`demo.a's index in ${lib} is signed; publish with --sign-key`);
    const rsa = path.join(root, 'rsa.pem');
    writeFileSync(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const wrongKind = interop(['publish', a2.file, '--library', lib, '--sign-key', rsa], root);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toBe(`interop publish: ${rsa}: a rsa key; library signatures are Ed25519 ("openssl genpkey -algorithm ed25519")\n`);
  });
});
