// A ByteChannel over Node streams: a socket (one Duplex) or a pipe pair (a child's stdout and
// stdin, or this process's stdin and stdout).

import type { Readable, Writable } from 'node:stream';
import type { ByteChannel, ChannelHandlers } from './types.js';

export class StreamChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private closed = false;

  constructor(
    readonly description: string,
    private readonly input: Readable,
    private readonly output: Writable & { cork?(): void; uncork?(): void },
    private readonly onDestroy?: () => void,
  ) {}

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    this.input.on('data', (chunk: Buffer) => handlers.data(chunk));
    this.input.on('end', () => this.finish());
    this.input.on('close', () => this.finish());
    this.input.on('error', (e) => this.finish(e));
    if (this.output !== (this.input as unknown)) {
      this.output.on('error', (e) => this.finish(e));
      this.output.on('close', () => this.finish());
    }
    this.output.on('drain', () => handlers.drain());
  }

  /** Closes the channel from outside (e.g. the child process exited). */
  finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close(error);
    this.input.destroy();
    if (this.output !== (this.input as unknown)) this.output.destroy();
    this.onDestroy?.();
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.output.writableEnded || this.output.destroyed) return false;
    if (chunks.length === 1) return this.output.write(chunks[0]!);
    // Corked writes go out as one writev: several frames, or a frame head and a large payload
    // without concatenating them.
    this.output.cork?.();
    let ok = true;
    for (const c of chunks) ok = this.output.write(c);
    this.output.uncork?.();
    return ok;
  }

  buffered(): number {
    return this.closed ? 0 : this.output.writableLength;
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }

  end(): void {
    if (this.closed) return;
    this.output.end();
  }

  destroy(error?: Error): void {
    this.finish(error);
  }
}
