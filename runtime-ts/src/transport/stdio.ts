// stdio plugins (docs/wire.md §8): the parent spawns the plugin executable and speaks frames over
// its stdin/stdout; the plugin's stderr passes through as its log. The parent is the initiator.
// Shutdown: GOODBYE (by the Connection), close stdin, SIGTERM after a grace period, SIGKILL
// after a second one.

import { spawn, type ChildProcess } from 'node:child_process';
import { StreamChannel } from './stream-channel.js';
import type { ByteChannel } from './types.js';

export interface PluginOptions {
  /** Program and arguments, not run through a shell. */
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export class PluginProcess {
  readonly child: ChildProcess;
  readonly channel: StreamChannel;
  /** Resolves when the process has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private hasExited = false;

  constructor(options: PluginOptions) {
    const [program, ...args] = options.command;
    if (!program) throw new Error('plugin command is empty');
    this.child = spawn(program, args, {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, ...options.env },
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const description = `stdio:${options.command.join(' ')}${this.child.pid !== undefined ? ` (pid ${this.child.pid})` : ''}`;
    this.channel = new StreamChannel(description, this.child.stdout!, this.child.stdin!);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.hasExited = true;
        resolve({ code, signal });
        // stdout's EOF normally closes the channel first; a grandchild holding the pipe must not
        // keep pending calls waiting.
        setTimeout(() => this.channel.finish(new Error(`plugin exited (${signal ?? `code ${code}`})`)), 50).unref();
      });
    });
    this.child.once('error', (error) => {
      this.hasExited = true;
      this.channel.finish(new Error(`cannot start plugin: ${error.message}`));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Closes stdin, then SIGTERM after `graceMs`, then SIGKILL after another `graceMs`. */
  async shutdown(graceMs = 2000): Promise<void> {
    this.channel.end();
    if (await this.waitExit(graceMs)) return;
    this.child.kill('SIGTERM');
    if (await this.waitExit(graceMs)) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  private async waitExit(ms: number): Promise<boolean> {
    if (this.hasExited) return true;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const result = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }
}

/** The plugin side: frames over this process's stdin and stdout. Nothing else may write to stdout. */
export function stdioChannel(): ByteChannel {
  return new StreamChannel('stdio:parent', process.stdin, process.stdout);
}
