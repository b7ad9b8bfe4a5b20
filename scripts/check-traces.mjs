// The suite's last check: the tests left no trace. Usage (scripts/test.sh):
//   node scripts/check-traces.mjs snapshot STATE                before the runners
//   node scripts/check-traces.mjs check OUT.xml STATE NAME=TEMPDIR...   after them
// Each runner ran with TEMPDIR as its private TMPDIR (scripts/test.sh). A process inherits TMPDIR,
// so a process whose environment still names a runner's temp dir was started by that runner's
// tests: it gets a few seconds to exit, then it is reported and killed. Then each temp dir must be
// empty (whatever is left is reported) and is removed, and the working tree must be as it was
// before the runners: on a clean checkout, `git status --porcelain` stays empty; on a developer's
// checkout, files they were editing may be dirty, but the tests must not have changed them.
// The findings are written as JUnit XML, one test case per check, which summarize-tests.mjs counts
// like any runner's tests. Exits 1 when a check failed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Caches of the tools the tests run, not files the tests make: tsx keeps compiled sources (and its
 * IPC pipes) in <tmpdir>/tsx-<uid>. They go when the runner's temp dir is removed.
 */
const TOOL_CACHES = [/^tsx-\d+$/];
// A node that was told to stop may still be closing on a loaded machine. (TRACES_GRACE_MS: for
// the test of this script.)
const GRACE_MS = Number(process.env.TRACES_GRACE_MS ?? 10_000);
const MAX_LISTED = 20;

/** Every path `git status` lists (untracked files one by one), with its status and a hash of its content. */
function worktreeState() {
  const fields = execFileSync('git', ['status', '--porcelain', '-z', '--untracked-files=all'], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\0');
  const state = {};
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    if (!field) continue;
    const xy = field.slice(0, 2);
    const path = field.slice(3);
    if (xy[0] === 'R' || xy[0] === 'C') i++; // followed by the path it was renamed or copied from
    let content = 'gone';
    try {
      content = createHash('sha1').update(readFileSync(path)).digest('hex');
    } catch {
      // deleted, or a directory (a nested repository)
    }
    state[path] = `${xy} ${content}`;
  }
  return state;
}

const [command, ...args] = process.argv.slice(2);
if (command === 'snapshot') {
  writeFileSync(args[0], JSON.stringify(worktreeState()));
  process.exit(0);
}
const [out, beforeFile, ...pairs] = args;
const runners = pairs.map((pair) => {
  const at = pair.indexOf('=');
  return { name: pair.slice(0, at), dir: pair.slice(at + 1) };
});
const cases = [];

/** Pids (not ours) whose TMPDIR is dir or inside it. Linux /proc; elsewhere none are found. */
function processesUnder(dir) {
  const found = [];
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry) && Number(entry) !== process.pid);
  } catch {
    return found;
  }
  for (const pid of pids) {
    try {
      const tmp = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').find((entry) => entry.startsWith('TMPDIR='));
      if (tmp === `TMPDIR=${dir}` || tmp?.startsWith(`TMPDIR=${dir}/`)) found.push(Number(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

function describeProcess(pid) {
  try {
    return `pid ${pid}: ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 200)}`;
  } catch {
    return `pid ${pid}`;
  }
}

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * What is left in dir, one line per kind of entry: names that differ only in their random part
 * (mkdtemp's suffix) are counted together, so 56 leaked `interop-XXXXXX` dirs make one line.
 */
function leftIn(dir) {
  const groups = new Map();
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (TOOL_CACHES.some((re) => re.test(entry.name))) continue;
    const kind = entry.isDirectory() ? `dir (${count(join(dir, entry.name))} entries inside)` : entry.isSocket() ? 'socket' : 'file';
    const key = entry.name.replace(/[A-Za-z0-9_]{6}$/, 'XXXXXX');
    const group = groups.get(key) ?? { n: 0, example: `${entry.name}: ${kind}` };
    group.n++;
    groups.set(key, group);
  }
  return [...groups].map(([key, g]) => (g.n === 1 ? g.example : `${key} x${g.n}, e.g. ${g.example}`));
}

function count(dir) {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) n += 1 + (entry.isDirectory() ? count(join(dir, entry.name)) : 0);
  return n;
}

function listed(items) {
  const shown = items.slice(0, MAX_LISTED).map((item) => `  ${item}`);
  if (items.length > MAX_LISTED) shown.push(`  ... and ${items.length - MAX_LISTED} more`);
  return shown.join('\n');
}

const deadline = Date.now() + GRACE_MS;
for (const { name, dir } of runners) {
  let pids = processesUnder(dir);
  while (pids.length > 0 && Date.now() < deadline) {
    sleep(100);
    pids = processesUnder(dir);
  }
  const described = pids.map(describeProcess);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  if (pids.length > 0) sleep(500); // let the killed processes go before their files are counted
  cases.push({
    name: `${name} leaves no process running`,
    failure: described.length && `${described.length} process(es) started by the ${name} tests were still running ${GRACE_MS / 1000} s after it ended (now killed):\n${listed(described)}`,
  });
}
for (const { name, dir } of runners) {
  const left = leftIn(dir);
  cases.push({
    name: `${name} leaves nothing in the temp dir`,
    failure: left.length && `the ${name} tests left these in their temp dir (TMPDIR=${dir}); each test must remove what it creates:\n${listed(left)}`,
  });
  rmSync(dir, { recursive: true, force: true });
}

const before = JSON.parse(readFileSync(beforeFile, 'utf8'));
const after = worktreeState();
const changed = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  .filter((path) => before[path] !== after[path])
  .sort()
  .map((path) => (path in after ? `${after[path].slice(0, 2)} ${path}` : `   ${path} (was dirty, now as committed)`));
cases.push({
  name: 'the suite leaves the working tree as it found it',
  failure: changed.length && `the tests changed, created or removed ${changed.length} file(s) in the repository (git status); write scratch output to the temp dir or an ignored folder:\n${listed(changed)}`,
});

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const failed = cases.filter((c) => c.failure);
const xml = [
  '<?xml version="1.0" encoding="utf-8"?>',
  `<testsuite name="traces" tests="${cases.length}" failures="${failed.length}" errors="0" skipped="0">`,
  ...cases.map((c) =>
    c.failure ? `  <testcase name="${escape(c.name)}"><failure message="${escape(c.failure.split('\n')[0])}">${escape(c.failure)}</failure></testcase>` : `  <testcase name="${escape(c.name)}"/>`,
  ),
  '</testsuite>',
  '',
].join('\n');
writeFileSync(out, xml);
for (const c of cases) console.log(c.failure ? `FAIL ${c.name}: ${c.failure}` : `ok   ${c.name}`);
process.exit(failed.length > 0 ? 1 : 0);
