// What a connection reads from its peer: bytes to frames, and each frame to the part that handles
// it (answers to the caller side, EVENTs to our subscriptions, requests and subscriptions to
// serve.ts, GOODBYE to the connection). Frames are handled synchronously, in order.
//
// Reading can be paused (docs/wire.md §5): by a subscription with the `block` policy whose queue
// is full, until its handler makes room, or by the outbound side when the peer does not read its
// answers. While paused the transport stops delivering, so its backpressure holds the peer;
// frames already decoded wait in `unread`. Each pause is counted in paused_reads.

import { ErrorCode } from '../errors.js';
import { FrameError, type Decoded } from '../wire/decoder.js';
import { SNIFF_BYTES, describeForeignPeer, startsHandshakeAnswer } from '../wire/foreign-peer.js';
import { CodecId, type Frame, FrameKind, codecNameOf, isStreamKind } from '../wire/frame.js';
import type { Connection } from './connection.js';
import type { FlowControl } from './events.js';
import { forgetSubscribeId, serveFrame } from './serve.js';
import { rejectStreamFrame, routeStreamFrame } from './stream-frames.js';
import { bump } from './services.js';

export class Inbound implements FlowControl {
  private pauses = 0;
  /** A loop in process() is running: resume() lets it go on instead of starting another. */
  private processing = false;
  /** Decoded frames not yet handled because reading is paused. */
  private unread: Decoded[] = [];
  /** Bytes arrived since the watchdog's last idle check (watchdog.ts resets it). */
  received = false;
  /** Set during the handshake: every frame goes to it (handshake-flow.ts). */
  handshakeFrames: ((item: Decoded) => void) | undefined;

  /**
   * An initiator's first bytes, until SNIFF_BYTES have come: they must start a WELCOME or an
   * ERROR, else the peer is not an interop node (docs/wire.md §2). Undefined once checked.
   */
  private head: Uint8Array | undefined;

  constructor(private readonly conn: Connection) {
    if (conn.options.role === 'initiator') this.head = new Uint8Array(0);
  }

  /** An initiator that has received nothing at all yet (a close now means no answer to HELLO). */
  get nothingReceived(): boolean {
    return this.head?.length === 0;
  }

  /** Whether the bytes received so far may be an interop peer's; if not, fails the handshake. */
  private sniff(chunk: Uint8Array): boolean {
    const head = new Uint8Array(this.head!.length + chunk.length);
    head.set(this.head!);
    head.set(chunk, this.head!.length);
    this.head = head.length < SNIFF_BYTES ? head : undefined;
    if (head.length < SNIFF_BYTES || startsHandshakeAnswer(head)) return true;
    // Not answered: the peer would not understand an ERROR frame. The handshake fails with it.
    bump(this.conn.services.counters, 'rejected_frames');
    const error = new FrameError('foreign_peer', ErrorCode.PROTOCOL_ERROR, describeForeignPeer(head), { fatal: false });
    if (this.handshakeFrames) this.handshakeFrames(error);
    else this.conn.closeWith(error.message);
    return false;
  }

  onData(chunk: Uint8Array): void {
    if (this.head !== undefined && !this.sniff(chunk)) return;
    this.received = true;
    const items = this.conn.decoder.push(chunk);
    this.conn.watchdog.afterRead(items.length);
    if (this.unread.length > 0 || this.pauses > 0) {
      for (const item of items) this.unread.push(item);
      return;
    }
    this.process(items);
  }

  get isPaused(): boolean {
    return this.pauses > 0;
  }

  pause(): void {
    bump(this.conn.services.counters, 'paused_reads');
    if (this.pauses++ === 0) this.conn.channel.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) {
      this.conn.channel.resume();
      if (this.processing) return; // the loop handling frames goes on by itself
      const unread = this.unread;
      this.unread = [];
      this.process(unread);
    }
  }

  /** Bytes read from the peer and not handled yet: a partial frame, frames held while paused. */
  bufferedBytes(): number {
    let n = this.conn.decoder.bufferedBytes;
    for (const item of this.unread) if (!(item instanceof FrameError)) n += item.payload.length + item.target.length + 18;
    return n;
  }

  /** Handles decoded items; stops (keeping the rest) when reading was paused. */
  private process(items: Decoded[]): void {
    const conn = this.conn;
    this.processing = true;
    try {
      for (let i = 0; i < items.length; i++) {
        if (conn.isClosed) return;
        if (this.pauses > 0) {
          this.unread = items.slice(i);
          return;
        }
        const item = items[i]!;
        if (item instanceof FrameError && item.fatal) return this.failFraming(item);
        if (this.handshakeFrames) this.handshakeFrames(item);
        else if (item instanceof FrameError) this.rejectFrame(item);
        else this.dispatch(item);
      }
    } finally {
      this.processing = false;
    }
  }

  /** A framing error: the stream cannot be trusted any more (docs/wire.md §1). */
  failFraming(error: FrameError): void {
    bump(this.conn.services.counters, 'rejected_frames');
    this.conn.sendError(0, '', 'json', { code: error.code, message: error.message });
    this.conn.closeWith(`framing error from peer: ${error.message}`);
  }

  /** One bad but delimited frame: answer it unless answering could loop (docs/wire.md §1.4). */
  private rejectFrame(error: FrameError): void {
    const conn = this.conn;
    bump(conn.services.counters, 'rejected_frames');
    conn.options.debug?.(`rejected frame: ${error.message}`);
    // A bad stream frame is never answered either: it ends the stream it names (§1.5).
    if (isStreamKind(error.kind)) return rejectStreamFrame(conn, error);
    const answers = error.kind === FrameKind.RESPONSE || error.kind === FrameKind.ERROR || error.kind === FrameKind.PONG || error.kind === FrameKind.CANCEL;
    if (answers) {
      // Never answer an answer (§1.4): fail the matching exchange locally, or drop it.
      if (conn.calls.fail(error.correlation, error)) return;
      if (error.kind === FrameKind.CANCEL) conn.out.withdrawAnswer(error.correlation);
      return;
    }
    // A refused REQUEST, SUBSCRIBE or PING still starts an exchange with its id (§1.1).
    if (error.kind === FrameKind.REQUEST || error.kind === FrameKind.SUBSCRIBE || error.kind === FrameKind.PING) forgetSubscribeId(conn, error.correlation);
    // No exchange to answer: an ERROR with correlation 0 would read as connection-level.
    if (error.kind === FrameKind.ONEWAY || error.kind === FrameKind.EVENT || error.kind === FrameKind.UNSUBSCRIBE || error.kind === FrameKind.GOODBYE) return;
    const codec = codecNameOf(error.codec) ?? 'json';
    conn.sendError(error.correlation, error.target, codec, { code: error.code, message: error.message });
  }

  private dispatch(frame: Frame): void {
    const conn = this.conn;
    switch (frame.kind) {
      case FrameKind.RESPONSE:
      case FrameKind.ERROR:
      case FrameKind.PONG:
        return conn.calls.onAnswer(frame);
      case FrameKind.EVENT:
        return conn.subscriptions.onEvent(frame);
      case FrameKind.GOODBYE:
        return conn.onPeerGoodbye();
      case FrameKind.STREAM_ITEM:
      case FrameKind.STREAM_END:
      case FrameKind.STREAM_CREDIT:
        return routeStreamFrame(conn, frame);
      case FrameKind.PING:
        forgetSubscribeId(conn, frame.correlation);
        return conn.answer({ ...frame, kind: FrameKind.PONG, codec: CodecId.none, timeoutMs: 0 });
      case FrameKind.HELLO:
      case FrameKind.WELCOME:
        // Correlation 0: an ERROR for it would read as connection-level (§1.4). Dropped, counted.
        bump(conn.services.counters, 'rejected_frames');
        conn.options.debug?.('dropped a handshake frame after the handshake');
        return;
      default:
        return serveFrame(conn, frame);
    }
  }
}
