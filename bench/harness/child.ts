// A benchmark child process that speaks JSON lines: commands on its stdin, answers on its stdout,
// logs on stderr. Servers, clients, publishers and subscribers in every language use this shape.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { processCpuNs } from './cpu.js';

export interface ChildSpec {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export type Message = Record<string, unknown>;

export class BenchChild {
  readonly proc: ChildProcess;
  private readonly lines: string[] = [];
  private waiter: ((line: string) => void) | undefined;
  private exited = false;
  private stderrTail = '';

  constructor(readonly label: string, spec: ChildSpec) {
    this.proc = spawn(spec.cmd, spec.args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = undefined;
        w(line);
      } else this.lines.push(line);
    });
    this.proc.stderr!.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString()).slice(-4000);
      if (process.env.BENCH_VERBOSE) process.stderr.write(`[${label}] ${d}`);
    });
    this.proc.on('exit', () => {
      this.exited = true;
      if (this.waiter) this.waiter('');
    });
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  cpuNs(): number {
    return processCpuNs(this.pid);
  }

  send(msg: Message): void {
    this.proc.stdin!.write(JSON.stringify(msg) + '\n');
  }

  /** The next JSON line from the child; fails if the child exits or takes longer than timeoutMs. */
  recv(timeoutMs = 120_000): Promise<Message> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(this.parse(queued));
    if (this.exited) return Promise.reject(this.failure('exited'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        reject(this.failure(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (line) => {
        clearTimeout(timer);
        if (line === '' && this.exited) reject(this.failure('exited'));
        else {
          try {
            resolve(this.parse(line));
          } catch (e) {
            reject(e);
          }
        }
      };
    });
  }

  async request(msg: Message, timeoutMs?: number): Promise<Message> {
    this.send(msg);
    return this.recv(timeoutMs);
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const done = new Promise<void>((r) => this.proc.once('exit', () => r()));
    try {
      this.proc.stdin!.end();
    } catch {
      /* already closed */
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 2000);
    this.proc.kill('SIGTERM');
    await done;
    clearTimeout(timer);
  }

  private parse(line: string): Message {
    try {
      const m = JSON.parse(line) as Message;
      if (typeof m.error === 'string') throw new Error(`${this.label}: ${m.error}`);
      return m;
    } catch (e) {
      if (e instanceof SyntaxError) throw this.failure(`printed a non-JSON line: ${line.slice(0, 200)}`);
      throw e;
    }
  }

  private failure(what: string): Error {
    return new Error(`${this.label} ${what}; stderr tail:\n${this.stderrTail}`);
  }
}

/** Node with tsx, for TypeScript children, run from the repository root. */
export function tsChild(file: string, args: string[] = [], env: Record<string, string> = {}): ChildSpec {
  return { cmd: process.execPath, args: ['--import', 'tsx', file, ...args], env };
}

/** The bench virtualenv's Python. */
export function pyChild(file: string, args: string[] = [], env: Record<string, string> = {}): ChildSpec {
  return { cmd: 'bench/.venv/bin/python', args: ['-u', file, ...args], env };
}
