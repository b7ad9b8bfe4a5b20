// scripts/check-traces.mjs, the suite's closing check that tests leave no trace: it must fail on
// each kind of trace (a changed or new file in the repository, something left in a runner's temp
// dir, a process a runner's tests left running) and pass when there is none.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../temp.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/check-traces.mjs', import.meta.url));

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}

/** A repository with one committed file and a snapshot of its state, as scripts/test.sh takes it. */
function repository(): { repo: string; before: string } {
  const repo = tempDir('traces-');
  git(repo, 'init', '-q');
  writeFileSync(path.join(repo, 'a.txt'), 'a\n');
  writeFileSync(path.join(repo, 'dirty.txt'), 'dirty\n');
  git(repo, 'add', 'a.txt', 'dirty.txt');
  git(repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'one');
  writeFileSync(path.join(repo, 'dirty.txt'), 'being edited\n'); // a developer's edit, before the suite
  const before = path.join(repo, '.git', 'before.json');
  expect(spawnSync(process.execPath, [SCRIPT, 'snapshot', before], { cwd: repo }).status).toBe(0);
  return { repo, before };
}

function check(repo: string, before: string, runners: string[]) {
  const out = path.join(repo, '.git', 'traces.xml');
  const r = spawnSync(process.execPath, [SCRIPT, 'check', out, before, ...runners], {
    cwd: repo, encoding: 'utf8', env: { ...process.env, TRACES_GRACE_MS: '300' },
  });
  return { status: r.status, stdout: r.stdout, xml: readFileSync(out, 'utf8') };
}

describe('scripts/check-traces.mjs', () => {
  it('passes when the tests left nothing, and removes the runner temp dirs', () => {
    const { repo, before } = repository();
    const runnerTmp = tempDir('rt-');
    mkdirSync(path.join(runnerTmp, 'tsx-0')); // a tool's cache, not the tests' files
    const r = check(repo, before, [`vitest=${runnerTmp}`]);
    expect(r.stdout).not.toContain('FAIL');
    expect(r.status).toBe(0);
    expect(r.xml).toContain('tests="3" failures="0"');
    expect(existsSync(runnerTmp)).toBe(false);
  });

  it('fails, naming what was left, for a changed file, a new file, a leftover dir and a running process', async () => {
    const { repo, before } = repository();
    const runnerTmp = tempDir('rt-');
    writeFileSync(path.join(repo, 'a.txt'), 'changed by a test\n');
    writeFileSync(path.join(repo, 'dirty.txt'), 'changed again by a test\n');
    writeFileSync(path.join(repo, 'new.txt'), 'scratch\n');
    for (const suffix of ['Ab12Cd', 'Xy34Zw']) mkdirSync(path.join(runnerTmp, `interop-${suffix}`));
    const leftover = spawn('sleep', ['30'], { env: { ...process.env, TMPDIR: runnerTmp }, stdio: 'ignore' });
    await new Promise((resolve) => leftover.once('spawn', resolve));
    const exited = new Promise((resolve) => leftover.once('exit', (_code, signal) => resolve(signal)));

    const r = check(repo, before, [`vitest=${runnerTmp}`]);
    expect(r.status).toBe(1);
    expect(r.xml).toContain('tests="3" failures="3"');
    expect(r.stdout).toMatch(/FAIL vitest leaves no process running: 1 process\(es\).*\n {2}pid \d+: sleep 30/);
    expect(r.stdout).toContain('interop-XXXXXX x2, e.g. interop-Ab12Cd: dir (0 entries inside)');
    expect(r.stdout).toContain(' M a.txt');
    expect(r.stdout).toContain(' M dirty.txt');
    expect(r.stdout).toContain('?? new.txt');
    expect(await exited).toBe('SIGKILL');
    expect(existsSync(runnerTmp)).toBe(false);
  });
});
