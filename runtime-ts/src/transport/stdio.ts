// Plugins (docs/wire.md §8, docs/transports.md "Plugins"): the parent spawns the plugin executable
// and speaks frames over its stdin/stdout, or, with `channel: 'fds'`, over two dedicated pipes that
// the plugin finds as descriptors 3 and 4 (named in INTEROP_PLUGIN_FDS), so that its stdout stays
// free for printing. The plugin's stderr (and in fds mode its stdout) passes through as its log.
// The parent is the initiator. Shutdown: GOODBYE (by the Connection), close the plugin's frame
// input, SIGTERM after a grace period, SIGKILL after a second one.

import { spawn, type ChildProcess } from 'node:child_process';
import { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { StreamChannel } from './stream-channel.js';
import type { ByteChannel } from './types.js';

/** Tells a plugin which descriptors carry frames: "READ,WRITE" from the plugin's side, e.g. "3,4". */
export const PLUGIN_FDS_ENV = 'INTEROP_PLUGIN_FDS';

/** How a plugin talks to its parent: its stdin/stdout, or two dedicated descriptors. */
export type PluginChannel = 'stdio' | 'fds';

export interface PluginOptions {
  /** Program and arguments, not run through a shell. */
  command: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Default 'stdio'. */
  channel?: PluginChannel;
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
    const fds = options.channel === 'fds';
    const env: Record<string, string | undefined> = { ...process.env, ...options.env };
    // Set for an fds plugin only: a stdio plugin must not inherit this process's own value.
    if (fds) env[PLUGIN_FDS_ENV] = '3,4';
    else delete env[PLUGIN_FDS_ENV];
    this.child = spawn(program, args, {
      // fds: the plugin reads frames on 3 and writes them on 4; its stdin is /dev/null and its
      // stdout is ours, as its stderr is.
      stdio: fds ? ['ignore', 'inherit', 'inherit', 'pipe', 'pipe'] : ['pipe', 'pipe', 'inherit'],
      env,
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    });
    const description = `${fds ? 'fds' : 'stdio'}:${options.command.join(' ')}${this.child.pid !== undefined ? ` (pid ${this.child.pid})` : ''}`;
    const [input, output] = fds ? [this.child.stdio[4] as Readable, this.child.stdio[3] as Writable] : [this.child.stdout!, this.child.stdin!];
    this.channel = new StreamChannel(description, input, output);
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

  /** Closes the plugin's frame input (stdin or fd 3), then SIGTERM after `graceMs`, then SIGKILL after another `graceMs`. */
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

/**
 * The descriptors INTEROP_PLUGIN_FDS names ("READ,WRITE"), or undefined when it is absent or empty
 * (the plugin then uses its stdin and stdout). A malformed value is an error, not a fallback.
 */
export function pluginFds(value = process.env[PLUGIN_FDS_ENV]): [number, number] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const m = /^\s*(\d+)\s*,\s*(\d+)\s*$/.exec(value);
  const [read, write] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!(read > 2 && write > 2 && read !== write && read < 65536 && write < 65536)) {
    throw new Error(`${PLUGIN_FDS_ENV}=${JSON.stringify(value)}: expected two different descriptor numbers above 2, "READ,WRITE" such as "3,4" (unset it to use stdin/stdout)`);
  }
  return [read, write];
}

/**
 * The plugin side: frames over the descriptors of INTEROP_PLUGIN_FDS when set, else over this
 * process's stdin and stdout (then nothing else may write to stdout).
 */
export function parentChannel(fds = pluginFds()): ByteChannel {
  if (!fds) return stdioChannel();
  const [read, write] = fds;
  return new StreamChannel(`fds:${read},${write}:parent`, new Socket({ fd: read, readable: true, writable: false }), new Socket({ fd: write, readable: false, writable: true }));
}


/** Frames over this process's stdin and stdout. Nothing else may write to stdout. */
export function stdioChannel(): ByteChannel {
  return new StreamChannel('stdio:parent', process.stdin, process.stdout);
}
