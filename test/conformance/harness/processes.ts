// Child processes of the runner: prepare steps, servers and clients. Each runs in its own process
// group so that a timeout or the end of a combination stops everything it started (a client's
// stdio plugin included), and nothing else.

import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd: string;
  env?: Record<string, string>;
  timeoutMs: number;
  /** Called with each complete stdout line as it arrives. */
  onLine?: (line: string) => void;
}

export function start(argv: string[], opts: Omit<RunOptions, 'timeoutMs'>): ChildProcess {
  return spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, killed as a whole
  });
}

/** Stops a process group started by `start`: SIGTERM, then SIGKILL after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child.pid, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  killGroup(child.pid, 'SIGKILL'); // stragglers of the group (a plugin that ignored its parent's exit)
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Collects a started process's output until it exits or the timeout passes. */
export function collect(child: ChildProcess, opts: Pick<RunOptions, 'timeoutMs' | 'onLine'>): Promise<Finished> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let pending = '';
    let timedOut = false;
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        opts.onLine?.(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      // Keep the tail only: a chatty failing process must not grow the runner without bound.
      stderr = (stderr + chunk).slice(-64 * 1024);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      void stop(child);
    }, opts.timeoutMs);
    child.on('error', (err) => {
      stderr += `\n${String(err)}`;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pending !== '') opts.onLine?.(pending);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

export async function run(argv: string[], opts: RunOptions): Promise<Finished> {
  return collect(start(argv, opts), opts);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Waits until something accepts connections at a unix: or tcp:// address. The probe connects
 * and closes at once; a node treats that as a peer that left before its HELLO.
 */
export async function waitForAddress(address: string, timeoutMs: number, alive: () => boolean): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) return false;
    if (await probe(address)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function probe(address: string): Promise<boolean> {
  return new Promise((resolve) => {
    // shm: its set-up socket (the listener counts the probe as a refused set-up, harmlessly).
    const socket = address.startsWith('unix:') || address.startsWith('shm:')
      ? connect({ path: address.slice(address.indexOf(':') + 1) })
      : connect({ host: new URL(address).hostname, port: Number(new URL(address).port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
