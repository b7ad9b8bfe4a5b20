// Temporary directories for tests. Every directory made here is removed after the test file that
// made it has finished (test/remove-temp-dirs.ts, a vitest setup file), so no test has to
// remember to: scripts/test.sh fails the suite if anything is left in its temp dir.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

/** A fresh directory under the temp dir (TMPDIR); keep `prefix` short, socket paths are limited. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}

/** Removes every directory tempDir() made so far in this test file. */
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}
