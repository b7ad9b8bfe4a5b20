// A ByteChannel over a WebSocket of the `ws` package (Node), on either side: a node that dialed
// ws:// or wss://, or a web listener that took an upgrade. Each frame goes out as one binary
// message (a frame whose large payload is a separate buffer as two fragments of that message, so
// the payload is not copied); the messages received are read as one byte stream.

import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { ErrorCode } from '../../errors.js';
import { FrameError } from '../../wire/decoder.js';
import type { ByteChannel, ChannelHandlers } from '../types.js';
import { splitFrames } from './frame-messages.js';

/** Close codes of RFC 6455 §7.4 that this channel sends. */
export const CLOSE_NORMAL = 1000;
export const CLOSE_UNSUPPORTED_DATA = 1003;

/** Closes that are not an error: normal, going away, no status (a peer that just closed). */
const CLEAN_CLOSES = new Set([1000, 1001, 1005]);

export class WsChannel implements ByteChannel {
  private handlers: ChannelHandlers | undefined;
  private closed = false;
  /** Why this side refused the peer's data, reported as the close's error. */
  private refusal: Error | undefined;

  constructor(
    readonly description: string,
    private readonly ws: WebSocket,
    private readonly socket: Socket,
  ) {
    socket.setNoDelay?.(true);
  }

  start(handlers: ChannelHandlers): void {
    this.handlers = handlers;
    this.ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) return handlers.data(data);
      this.refusal = new FrameError('text_message', ErrorCode.PROTOCOL_ERROR, 'the peer sent a text message: interop frames travel in binary messages', { fatal: true });
      this.ws.close(CLOSE_UNSUPPORTED_DATA, 'interop frames travel in binary messages');
    });
    this.ws.on('error', (error: Error & { code?: string }) => {
      // Raised before ws closes the connection with 1009: a message over 4 + max_frame_bytes.
      if (error.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
        this.refusal = new FrameError('oversized', ErrorCode.RESOURCE_EXHAUSTED, 'the peer sent a message larger than 4 + max_frame_bytes', { fatal: true });
      } else this.refusal ??= error;
    });
    this.ws.on('close', (code: number, reason: Buffer) => {
      const why = this.refusal ?? (CLEAN_CLOSES.has(code) ? undefined : new Error(`WebSocket closed with code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`));
      this.finish(why);
    });
    this.socket.on('drain', () => handlers.drain());
  }

  private finish(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.handlers?.close(error);
  }

  write(chunks: readonly Uint8Array[]): boolean {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return false;
    // Corked: the batch's messages leave in one write.
    this.socket.cork();
    for (const parts of splitFrames(chunks)) {
      const last = parts.length - 1;
      for (let i = 0; i <= last; i++) this.ws.send(parts[i]!, { binary: true, fin: i === last });
    }
    this.socket.uncork();
    return this.socket.writableLength < this.socket.writableHighWaterMark;
  }

  buffered(): number {
    return this.closed ? 0 : this.socket.writableLength;
  }

  pause(): void {
    this.ws.pause();
  }

  resume(): void {
    this.ws.resume();
  }

  end(): void {
    if (!this.closed) this.ws.close(CLOSE_NORMAL);
  }

  destroy(error?: Error): void {
    this.ws.terminate();
    this.finish(error);
  }
}
