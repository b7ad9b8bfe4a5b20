// `interopc breaking` as the real binary: its three kinds of input (a .interop file, a manifest,
// a file at a git revision, imports included), its exit codes and its output.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './corpus.mjs';

const root = repoRoot();
const bin = path.join(root, 'compiler/bin/interopc.mjs');
const tmp = mkdtempSync(path.join(tmpdir(), 'interopc-breaking-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const V1 = 'test/evolution/v1.interop';
const V2 = 'test/evolution/v2.interop';

function git(repo: string, ...args: string[]): void {
  const r = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], { cwd: repo, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
}

// Each run starts node and tsx (about a second, more on a busy machine).
describe('interopc breaking', { timeout: 120_000 }, () => {
  it('is in the help, with examples', () => {
    expect(run(['--help']).stdout).toContain('breaking');
    const help = run(['breaking', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('git:main');
  });

  it('prints every breaking change with its place and code, and exits 1', () => {
    const r = run(['breaking', V1, V2]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[E0602]: function interop.evolution.legacy was removed\n  --> test/evolution/v1.interop:43:1');
    expect(r.stderr).toContain("error[E0607]: struct interop.evolution.Measure: field 'value' (id 1) changed type from i32 to string");
    expect(r.stderr).toContain('17 |   1: value: string;');
    expect(r.stderr).toMatch(/breaking changes from test\/evolution\/v1.interop to test\/evolution\/v2.interop\n$/);
  });

  it('is silent and exits 0 when the new version is compatible, and gives JSON on request', () => {
    const ok = run(['breaking', 'test/schemas/breaking/compatible/old.interop', 'test/schemas/breaking/compatible/new.interop']);
    expect([ok.code, ok.stdout, ok.stderr]).toEqual([0, '', '']);
    const json = run(['breaking', '--error-format', 'json', V1, V2]);
    expect(json.code).toBe(1);
    const codes = (JSON.parse(json.stderr) as { diagnostics: Array<{ code: string }> }).diagnostics.map((d) => d.code);
    expect(codes).toEqual(['E0602', 'E0607']);
  });

  it('compares with a manifest, as interopc manifest or interop inspect --json prints it', () => {
    const manifest = run(['manifest', V1]);
    expect(manifest.code).toBe(0);
    writeFileSync(path.join(tmp, 'v1.json'), manifest.stdout);
    writeFileSync(path.join(tmp, 'node.json'), JSON.stringify({ node: 'n', protocol: 1, limits: {}, bundle: JSON.parse(manifest.stdout) as unknown }));
    for (const file of ['v1.json', 'node.json']) {
      const r = run(['breaking', path.join(tmp, file), V2]);
      expect(r.code).toBe(1);
      // The old version's places are in the manifest: shown by name, without a source line.
      expect(r.stderr).toContain(`--> ${path.join(tmp, file)}:test/evolution/v1.interop:43:1\n`);
      expect(r.stderr).toContain('E0607');
    }
    writeFileSync(path.join(tmp, 'bad.json'), '{"irVersion": 7}');
    const bad = run(['breaking', path.join(tmp, 'bad.json'), V2]);
    expect(bad.code).toBe(3);
    expect(bad.stderr).toContain('is not a manifest');
  });

  it('compares with a file at a git revision, its imports read from the same revision', () => {
    const repo = path.join(tmp, 'repo');
    mkdirSync(repo);
    git(repo, 'init', '-q');
    writeFileSync(path.join(repo, 'common.interop'), 'module shop.common version "1";\nstruct Money { 1: cents: u64; }\n');
    writeFileSync(path.join(repo, 'shop.interop'), 'module shop version "1";\nimport "common.interop";\nfn price(1: sku: string) -> common.Money;\nfn old_price() -> u32;\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'v1');
    // The working copy: a function removed, and a type changed in the imported file.
    writeFileSync(path.join(repo, 'common.interop'), 'module shop.common version "2";\nstruct Money { 1: cents: i64; }\n');
    writeFileSync(path.join(repo, 'shop.interop'), 'module shop version "2";\nimport "common.interop";\nfn price(1: sku: string) -> common.Money;\n');
    for (const old of ['git:HEAD', 'git:HEAD:shop.interop']) {
      const r = run(['breaking', old, 'shop.interop'], repo);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain('error[E0602]: function shop.old_price was removed\n --> git:HEAD:shop.interop:4:1');
      expect(r.stderr).toContain('4 | fn old_price() -> u32;');
      expect(r.stderr).toContain("struct shop.common.Money: field 'cents' (id 1) changed type from u64 to i64\n --> common.interop:2:16");
    }
    git(repo, 'commit', '-qam', 'v2');
    expect(run(['breaking', 'git:HEAD~1', 'git:HEAD:shop.interop'], repo).code).toBe(1);
    expect(run(['breaking', 'git:HEAD', 'shop.interop'], repo)).toEqual({ code: 0, stdout: '', stderr: '' });
    const unknown = run(['breaking', 'git:no-such-rev', 'shop.interop'], repo);
    expect([unknown.code, unknown.stderr]).toEqual([3, 'interopc breaking: git:no-such-rev: no such revision\n']);
  });

  it('exits 2 for an input it cannot interpret, 3 for one it cannot read, 1 for a version with errors', () => {
    const usage = run(['breaking', 'git:HEAD', path.join(tmp, 'v1.json')]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('write git:REV:PATH');
    const missing = run(['breaking', 'no/such.interop', V2]);
    expect([missing.code, missing.stderr]).toEqual([3, "interopc breaking: cannot read 'no/such.interop'\n"]);
    const invalid = run(['breaking', V1, 'test/schemas/invalid/E0501-oneway-result.interop']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('error[E0501]');
    expect(invalid.stderr).toContain('interopc breaking: the new version (test/schemas/invalid/E0501-oneway-result.interop) has errors');
  });
});
