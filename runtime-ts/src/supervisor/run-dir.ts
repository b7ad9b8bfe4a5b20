// The run directory: one private directory per running application that holds everything the
// supervisor creates (each node's config file, auto-assigned socket files, the status file), so a
// clean shutdown removes all of it with one rmSync. It lives under one per-user parent directory,
// which is also where `interop status` looks for running applications.

import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AppStatus } from './status.js';

/** `$INTEROP_RUN_ROOT`, or `<tmpdir>/interop-<uid>`: short, because socket paths must fit 107 bytes. */
export function runRoot(): string {
  const fromEnv = process.env.INTEROP_RUN_ROOT;
  if (fromEnv) return fromEnv;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `interop-${uid}`);
}

export class RunDir {
  readonly path: string;

  constructor(appName: string, root = runRoot()) {
    mkdirSync(root, { recursive: true, mode: 0o700 });
    this.path = path.join(root, `${appName}-${process.pid}`);
    rmSync(this.path, { recursive: true, force: true }); // a stale directory from a reused pid
    mkdirSync(this.path, { mode: 0o700 });
  }

  file(name: string): string {
    return path.join(this.path, name);
  }

  writeJson(name: string, value: unknown): string {
    const target = this.file(name);
    // Write then rename, so a reader (`interop status`) never sees half a file.
    const temp = `${target}.tmp`;
    writeFileSync(temp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
    renameSync(temp, target);
    return target;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

export const STATUS_FILE = 'status.json';

/** Every application whose status file is readable under `root`, live or stale. */
export function findRuns(root = runRoot()): Array<{ dir: string; status: AppStatus }> {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  const runs: Array<{ dir: string; status: AppStatus }> = [];
  for (const entry of entries) {
    const dir = path.join(root, entry);
    try {
      runs.push({ dir, status: JSON.parse(readFileSync(path.join(dir, STATUS_FILE), 'utf8')) as AppStatus });
    } catch {
      // not a run directory, or being written for the first time
    }
  }
  return runs;
}

/**
 * Cleans up after supervisors that died without stopping (SIGKILL, a crash): their run directory
 * is still there and their nodes may still run. A leftover process is killed only when its
 * environment proves it was started for that run directory (INTEROP_NODE_CONFIG points into it),
 * so a pid reused by an unrelated process is never touched. Returns what was done, for the log.
 */
export function reapStaleRuns(root = runRoot()): string[] {
  const done: string[] = [];
  for (const { dir, status } of findRuns(root)) {
    if (pidAlive(status.supervisorPid)) continue;
    const killed = status.nodes.filter((n) => n.pid !== undefined && startedFor(n.pid, dir)).map((n) => n.pid!);
    for (const pid of killed) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
    done.push(`${status.app} (supervisor pid ${status.supervisorPid} is gone): ${killed.length > 0 ? `killed leftover node(s) ${killed.join(', ')}, ` : ''}removed ${dir}`);
  }
  return done;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when process `pid` has INTEROP_NODE_CONFIG inside `dir` (Linux /proc; elsewhere false). */
function startedFor(pid: number, dir: string): boolean {
  try {
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return environ.some((entry) => entry.startsWith(`INTEROP_NODE_CONFIG=${dir}${path.sep}`));
  } catch {
    return false;
  }
}
