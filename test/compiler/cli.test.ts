// The interopc command line, run as the real binary (compiler/bin/interopc.mjs), plus `gen`
// in-process with a small target registered by the test (the binary only knows the built-in ones).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../compiler/src/cli/main.js';
import { registerTarget } from '../../compiler/src/targets/registry.js';
import { generatedHeader } from '../../compiler/src/targets/common/header.js';
import type { Bundle, Module } from '../../compiler/src/ir/types.js';
import { INTEROPC_VERSION } from '../../compiler/src/version.js';
import { repoRoot } from './corpus.mjs';

const root = repoRoot();
const bin = path.join(root, 'compiler/bin/interopc.mjs');
const tmp = mkdtempSync(path.join(tmpdir(), 'interopc-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function run(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const VALID = 'test/schemas/valid/chat.interop';
const INCLUDE = 'test/schemas/valid/include';
const INVALID = 'test/schemas/invalid/multi-chat.interop';

// Each run starts node and tsx (about a second, more on a busy machine).
describe('interopc (the binary)', { timeout: 120_000 }, () => {
  it('prints help with every command, and examples per command', () => {
    const top = run('--help');
    expect(top.code).toBe(0);
    for (const cmd of ['check', 'manifest', 'fmt', 'gen']) expect(top.stdout).toContain(cmd);
    const gen = run('gen', '--help');
    expect(gen.code).toBe(0);
    expect(gen.stdout).toContain('Examples:');
    expect(gen.stdout).toContain('--lang');
  });

  it('check: 0 and silent on a valid schema (with -I), 1 with diagnostics on an invalid one', () => {
    const ok = run('check', '-I', INCLUDE, VALID);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    const bad = run('check', INVALID);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('E0213');
    expect(bad.stderr).toContain('multi-chat.interop');
  });

  it('--error-format json prints machine-readable diagnostics', () => {
    const bad = run('check', '--error-format', 'json', INVALID);
    expect(bad.code).toBe(1);
    const parsed = JSON.parse(bad.stderr) as unknown;
    expect(JSON.stringify(parsed)).toContain('"E0501"');
  });

  it('exit 3 for an unreadable input, 2 for usage errors', () => {
    const missing = run('check', 'no/such/file.interop');
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('E0200');
    expect(run('frobnicate').code).toBe(2);
    expect(run('check').code).toBe(2);
    expect(run('check', '--no-such-option', VALID).code).toBe(2);
    expect(run('check', '--error-format', 'xml', VALID).code).toBe(2);
    const lang = run('gen', '--lang', 'cobol', '--out', path.join(tmp, 'x'), VALID);
    expect(lang.code).toBe(2);
    expect(lang.stderr).toContain("unknown --lang 'cobol'");
  });

  it('manifest prints the bundle as indented JSON', () => {
    const r = run('manifest', '-I', INCLUDE, VALID);
    expect(r.code).toBe(0);
    const bundle = JSON.parse(r.stdout) as Bundle;
    expect(bundle.irVersion).toBe(1);
    expect(bundle.roots).toEqual(['example.chat']);
    expect(bundle.modules.map((m) => m.name)).toEqual(['example.common', 'example.users', 'example.chat']);
    expect(r.stdout.startsWith('{\n  "irVersion": 1,')).toBe(true);
  });

  it('fmt --check lists unformatted files and exits 1; --write fixes them; syntax errors are refused', () => {
    const messy = path.join(tmp, 'messy.interop');
    writeFileSync(messy, 'module   ex.messy version "1";\nstruct A{1:x:u8;}\n');
    const check = run('fmt', '--check', messy);
    expect(check.code).toBe(1);
    expect(check.stdout).toContain(messy);
    expect(run('fmt', '--write', messy).code).toBe(0);
    expect(run('fmt', '--check', messy).code).toBe(0);
    const printed = run('fmt', messy);
    expect(printed.stdout).toBe(readFileSync(messy, 'utf8'));

    const broken = path.join(tmp, 'broken.interop');
    writeFileSync(broken, 'module ex.broken version "1";\nstruct {\n');
    const before = readFileSync(broken, 'utf8');
    const r = run('fmt', '--write', broken);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('syntax errors');
    expect(readFileSync(broken, 'utf8')).toBe(before);
  });
});

describe('interopc gen (in-process, with a test target)', () => {
  let variant = 'v1';
  registerTarget({
    id: 'test-listing',
    displayName: 'Test listing',
    generate(bundle, options) {
      return bundle.roots.flatMap((name) => {
        const m = bundle.modules.find((x) => x.name === name)!;
        return [
          {
            path: `${name.replace(/\./g, '/')}/types.txt`,
            content: `${generatedHeader('#', options.sourceNames[name]!)}\n${m.types.map((t) => t.name).join('\n')}\n`,
          },
          { path: `${name.replace(/\./g, '/')}/variant.txt`, content: `${variant}\n` },
        ];
      });
    },
  });

  async function gen(out: string): Promise<{ code: number; stderr: string }> {
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    try {
      const code = await main(['gen', '--lang', 'test-listing', '--out', out, '-I', path.join(root, INCLUDE), path.join(root, VALID)]);
      return { code, stderr };
    } finally {
      spy.mockRestore();
    }
  }

  it('writes files, creating directories, and rewrites only files whose content changed', async () => {
    const out = path.join(tmp, 'gen');
    const first = await gen(out);
    expect(first.code).toBe(0);
    expect(first.stderr).toBe(`interopc gen: test-listing: 2 files written, 0 unchanged, in ${out}\n`);
    const types = path.join(out, 'example/chat/types.txt');
    expect(readFileSync(types, 'utf8')).toContain(`# Code generated by interopc ${INTEROPC_VERSION} from chat.interop. DO NOT EDIT.\nMood\nMessage`);

    const old = new Date('2001-01-01T00:00:00Z');
    utimesSync(types, old, old);
    variant = 'v2';
    const second = await gen(out);
    expect(second.stderr).toBe(`interopc gen: test-listing: 1 file written, 1 unchanged, in ${out}\n`);
    expect(statSync(types).mtime.getTime()).toBe(old.getTime());
    expect(readFileSync(path.join(out, 'example/chat/variant.txt'), 'utf8')).toBe('v2\n');
  });

  it('writes nothing when the schema has errors', async () => {
    const out = path.join(tmp, 'gen-bad');
    mkdirSync(out, { recursive: true });
    let stderr = '';
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    let code: number;
    try {
      code = await main(['gen', '--lang', 'test-listing', '--out', out, path.join(root, INVALID)]);
    } finally {
      spy.mockRestore();
    }
    expect(code).toBe(1);
    expect(stderr).toContain('E0501');
  });
});

describe('generatedHeader', () => {
  it('names the tool and its version, the source, and the module with its fingerprint; no date', () => {
    expect(INTEROPC_VERSION).toMatch(/^\d+\.\d+\.\d+/);
    const module = { name: 'example.chat', version: '1.0.0', fingerprint: 'sha256:4a7f' } as Module;
    expect(generatedHeader('//', 'chat.interop', module)).toBe(`// Code generated by interopc ${INTEROPC_VERSION} from chat.interop (example.chat 1.0.0, sha256:4a7f). DO NOT EDIT.`);
    expect(generatedHeader('--', 'a.interop')).toBe(`-- Code generated by interopc ${INTEROPC_VERSION} from a.interop. DO NOT EDIT.`);
  });
});
