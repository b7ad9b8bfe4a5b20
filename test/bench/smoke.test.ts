// The benchmarks are not timed tests: CI only proves that they run. This runs `npm run bench --
// --smoke` (a few iterations of every suite) and checks that it completes and prints its tables.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('bench --smoke', () => {
  // A guard against a hang, not a time bound: a cold Haskell build (runtime-haskell/build.sh, for
  // the Haskell suites) on a loaded 2-core machine takes minutes before any suite runs.
  it('runs every suite and writes a results table', () => {
    const r = spawnSync('bash', ['bench/run.sh', '--smoke'], { encoding: 'utf8', timeout: 1_200_000, maxBuffer: 1 << 26 });
    const why = `exit ${r.status}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`;
    expect(r.status, why).toBe(0);
    const titles = ['TypeScript codecs, small', 'Python codecs, nested', 'TypeScript ↔ TypeScript over unix', 'Python ↔ Python over tcp', 'Python ↔ Python over shm (shared memory), next to unix'];
    titles.push('TypeScript: direct in-process call, nested struct', 'Python: direct in-process call, small struct');
    // The C suites (bench/c): built with the real toolchain, every contender present.
    titles.push('C codecs, nested', 'C ↔ C over unix', 'C ↔ C over tcp', 'C client → TypeScript and Python servers over unix, next to TS ↔ TS');
    titles.push('C: direct in-process call, small struct', 'C: read one field (id) of blob');
    titles.push('TypeScript ↔ TypeScript over WebSocket', 'TypeScript ↔ TypeScript over HTTP', 'Python ↔ Python over WebSocket', 'Python ↔ Python over HTTP');
    // The C++ suites (bench/cpp): built with the real toolchain, C++ next to C in each table.
    titles.push('C++ codecs, nested', 'C++ ↔ C++ over unix, next to C ↔ C and the raw floor', 'C++ ↔ C++ over tcp, next to C ↔ C and the raw floor');
    for (const title of titles) {
      expect(r.stdout, why).toContain(`== ${title}`);
    }
    expect(r.stdout).toContain('== Goals');
    // Issue 15's setting: the C shm pair pinned one CPU each, or a note saying why it could not be.
    expect(r.stdout + r.stderr, why).toMatch(/== C ↔ C over shm, client and server pinned to CPUs of their own|C ↔ C over shm, pinned: left out/);
    // The Haskell suites, and every Haskell contender ran (a child that fails is left out with a
    // note, not an error).
    for (const title of ['Haskell codecs, blob', 'Haskell ↔ Haskell and Haskell ↔ C over unix']) {
      expect(r.stdout, why).toContain(`== ${title}`);
    }
    // C → Haskell needs the C client child (bench/c/child.c, with the C suites).
    const cClient = existsSync('bench/c/child.c') ? ['interop C → Haskell', 'interop C ↔ C'] : [];
    for (const row of ['binary (Generic)', 'interop Haskell ↔ Haskell', 'interop Haskell → C', ...cClient, 'interop TS ↔ TS']) {
      expect(r.stdout, why).toContain(row);
    }
    expect(existsSync('bench/out/RESULTS-smoke.md')).toBe(true);
    const md = readFileSync('bench/out/RESULTS-smoke.md', 'utf8');
    expect(md).toContain('| raw socket (floor) |');
    for (const row of ['| raw C socket (floor) |', '| C client → TS server |', '| C client → Python server |', '| TS client → TS server |', '| plain indirect C call |']) {
      expect(md, row).toContain(row);
    }
    // codecs-ts: flatc --ts code over the npm flatbuffers package, in full and reading one field of ours.
    for (const row of ['| flatbuffers (npm, flatc --ts) |', '| flatbuffers (flatc): read id of ours |']) expect(md, row).toContain(row);
    for (const row of ['| C++ client → C++ server |', '| C client → C server |', '| C msgpack (interop_encode/decode) |']) expect(md, row).toContain(row);
  }, 1_200_000);
});
