// A ByteChannel over the browser's own WebSocket (docs/transports.md, "Browsers"): one frame per
// binary message, as every WebSocket peer. A browser WebSocket has no backpressure signal but
// bufferedAmount, and cannot stop delivering messages: write() reports congestion above a
// high-water mark and the channel polls for the drain; pause() is not available to it (an event
// queue with the `block` policy cannot hold the peer here; docs/config.md).

import type { ByteChannel, ChannelHandlers } from '../types.js';
import { joinParts, splitFrames } from './frame-messages.js';

/** The part of the browser's WebSocket used here (the runtime compiles without the DOM types). */
interface BrowserSocket {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: (() => void) | null;
  onerror: (() => void) | null;
  onmessage: ((e: { data: unknown }) => void) | null;
  onclose: ((e: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
const OPEN = 1;

/** Bytes a browser WebSocket may hold unsent before write() reports congestion. */
const HIGH_WATER = 64 * 1024;
const DRAIN_POLL_MS = 5;

export class BrowserWebSocketChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private closed = false;
  private polling = false;

  constructor(
    readonly description: string,
    private readonly ws: BrowserSocket,
  ) {
    ws.binaryType = 'arraybuffer';
  }

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    this.ws.onmessage = (e) => {
      if (typeof e.data === 'string') return this.ws.close(1003, 'interop frames travel in binary messages');
      handlers.data(new Uint8Array(e.data as ArrayBuffer));
    };
    this.ws.onclose = (e) => this.finish(e.code === 1000 || e.code === 1001 || e.code === 1005 ? undefined : new Error(`WebSocket closed with code ${e.code}${e.reason ? ` (${e.reason})` : ''}`));
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close(error);
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.ws.readyState !== OPEN) return false;
    for (const frame of splitFrames(chunks)) this.ws.send(joinParts(frame));
    if (this.ws.bufferedAmount < HIGH_WATER) return true;
    this.pollDrain();
    return false;
  }

  private pollDrain(): void {
    if (this.polling) return;
    this.polling = true;
    const check = () => {
      if (this.closed) return;
      if (this.ws.bufferedAmount >= HIGH_WATER) return void setTimeout(check, DRAIN_POLL_MS);
      this.polling = false;
      this.handlers?.drain();
    };
    setTimeout(check, DRAIN_POLL_MS);
  }

  buffered(): number {
    return this.ws.bufferedAmount;
  }

  pause(): void {
    /* a browser WebSocket cannot stop delivering */
  }

  resume(): void {}

  end(): void {
    if (!this.closed) this.ws.close(1000);
  }

  destroy(error?: Error): void {
    this.ws.close(1000);
    this.finish(error);
  }
}

/** Opens a WebSocket to `url` in a browser. */
export function dialBrowserWebSocket(url: string): Promise<ByteChannel> {
  return new Promise((resolve, reject) => {
    const ws = new (globalThis as unknown as { WebSocket: new (url: string) => BrowserSocket }).WebSocket(url);
    ws.onopen = () => resolve(new BrowserWebSocketChannel(url, ws));
    // A browser gives no reason for a failed WebSocket (by design): name the usual ones.
    ws.onerror = () => reject(new Error(`cannot connect to ${url} (the browser gives no reason: is the node running and listening there, and does its web.allowed_origins allow this page?)`));
  });
}
