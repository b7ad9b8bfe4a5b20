// `interopc gen --check` (CI for checked-in generated code: exit 1 and the list of files that
// differ or are missing, nothing written) and `interopc gen --watch` (generates again when a
// schema changes), run as the real binary on a copy of the chat example's schema.

import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';
import { repoRoot } from './corpus.mjs';

const bin = path.join(repoRoot(), 'compiler/bin/interopc.mjs');

function project(): string {
  const dir = tempDir('gen-');
  cpSync(path.join(repoRoot(), 'examples/chat/chat.interop'), path.join(dir, 'chat.interop'));
  return dir;
}

function gen(cwd: string, ...extra: string[]) {
  const r = spawnSync(process.execPath, [bin, 'gen', '--lang', 'ts', '--out', 'gen', ...extra, 'chat.interop'], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('interopc gen --check', { timeout: 120_000 }, () => {
  it('exits 0 when the files on disk are what the schemas produce; 1 with the list when one differs or is missing, and writes nothing', () => {
    const dir = project();
    const file = path.join(dir, 'gen/example.chat.ts');
    expect(gen(dir, '--check')).toMatchObject({ code: 1, stdout: 'gen/example.chat.ts\n' }); // nothing generated yet
    expect(gen(dir).code).toBe(0);
    expect(gen(dir, '--check')).toMatchObject({ code: 0, stdout: '' });

    writeFileSync(file, `${readFileSync(file, 'utf8')}// edited by hand\n`);
    const stale = gen(dir, '--check');
    expect(stale).toMatchObject({ code: 1, stdout: 'gen/example.chat.ts\n' });
    expect(stale.stderr).toMatch(/1 file in gen differs from what the schemas produce .*run the same command without --check/);
    expect(readFileSync(file, 'utf8')).toContain('// edited by hand');

    // A schema change makes the checked-in code stale too.
    expect(gen(dir).code).toBe(0);
    appendFileSync(path.join(dir, 'chat.interop'), '\nfn zebra() -> u32;\n');
    expect(gen(dir, '--check').code).toBe(1);
    expect(gen(dir, '--check', '--watch').code).toBe(2);
  });
});

describe('interopc gen --watch', { timeout: 120_000 }, () => {
  it('generates, then again when the schema changes; a schema error is reported and the watch goes on; SIGTERM ends it with 0', async () => {
    const dir = project();
    const child = spawn(process.execPath, [bin, 'gen', '--watch', '--lang', 'ts', '--out', 'gen', 'chat.interop'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    const waitFor = (re: RegExp, from: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${re} in:\n${stderr}`)), 60_000);
        const check = () => {
          if (re.test(stderr.slice(from))) {
            clearTimeout(timer);
            resolve();
          } else child.stderr.once('data', check);
        };
        check();
      });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      await waitFor(/watching 1 schema/, 0);
      expect(stderr).toContain('1 file written');
      const generated = path.join(dir, 'gen/example.chat.ts');
      expect(readFileSync(generated, 'utf8')).not.toContain('zebra');

      let mark = stderr.length;
      appendFileSync(path.join(dir, 'chat.interop'), '\nfn zebra() -> u32;\n');
      await waitFor(/1 file written/, mark);
      expect(readFileSync(generated, 'utf8')).toContain('zebra');

      mark = stderr.length;
      appendFileSync(path.join(dir, 'chat.interop'), '\nfn broken(\n');
      await waitFor(/error/, mark);
      mark = stderr.length;
      writeFileSync(path.join(dir, 'chat.interop'), readFileSync(path.join(dir, 'chat.interop'), 'utf8').replace('\nfn broken(\n', '\nfn quokka() -> u32;\n'));
      await waitFor(/1 file written/, mark);
      expect(readFileSync(generated, 'utf8')).toContain('quokka');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await new Promise((r) => child.once('exit', (code) => r(code)))).toBe(0);
  });
});
