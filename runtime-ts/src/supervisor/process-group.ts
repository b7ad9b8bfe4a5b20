// Starting and stopping one node process. Each node is started as the leader of its own process
// group, so a signal reaches everything it started too: an `npx tsx` wrapper's real child, a stdio
// plugin, a shell pipeline. This is what lets shutdown leave no orphan behind.

import { spawn, type ChildProcess } from 'node:child_process';

export interface SpawnSpec {
  command: string[];
  cwd: string;
  env: Record<string, string>;
}

export function spawnGroup(spec: SpawnSpec): ChildProcess {
  const [program, ...args] = spec.command;
  return spawn(program!, args, {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env },
    // stdin is not the terminal's: Ctrl-C must reach only the supervisor, which then stops the
    // nodes in order. `detached` makes the child a process-group leader.
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
}

/** Sends `signal` to the whole group led by `pid`; false when no such group exists any more. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to the group leader only. */
export function signalLeader(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group led by `pid` is alive. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
