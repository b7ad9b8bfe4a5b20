// One peer connection over any ByteChannel (docs/wire.md §1–§6). This file holds its life cycle
// (handshake, GOODBYE, close) and the methods the rest of the runtime calls; the work is done by
// one part per responsibility, each in its own file:
//
//   handshake-flow.ts  HELLO / WELCOME before anything else (§2)
//   inbound.ts         Inbound: bytes to frames, each frame to its part; pausing reads (§5)
//   outbound.ts        Outbound: batched writes, the outbox and writers while congested (§5)
//   calls.ts           Calls: exchanges this side starts (REQUEST, PING, SUBSCRIBE), in-flight
//                      slots, deadlines, cancellation, one-way calls (§1.1, §5, §6)
//   subscriptions.ts   Subscriptions: this side's subscriptions to the peer's events
//   serve.ts           the serving side: requests, one-way calls, CANCEL, SUBSCRIBE from the peer
//   peer-events.ts     PeerEvents: events published to the peer's subscriptions, per-subscription
//                      backlog while congested (§5)
//   watchdog.ts        Watchdog: frame_timeout_ms and idle_timeout_ms after the handshake (§5.1)
//   stream-calls.ts    streams this side starts; stream-serve.ts the peer's; stream-frames.ts
//                      their frames; stream-items.ts the credit of each direction (§1.5)
//
// Flow control in one paragraph (docs/wire.md §5): a peer that does not read cannot make this side
// buffer without bound. Requests and handlers' answers wait for the channel holding their
// in-flight slots; answers the read loop gives by itself and one-way calls wait in a bounded
// outbox; events wait per subscription, bounded by max_event_queue; and past max_in_flight
// waiting answers this side stops reading that peer (paused_reads).

import { ErrorCode, InteropError } from '../errors.js';
import type { CallOptions, CodecName, EventDescriptor, FunctionDescriptor, ItemSource, ModuleDescriptor, Subscription } from '../module.js';
import { CallerStream } from './stream-call.js';
import { startStream } from './stream-calls.js';
import type { ByteChannel } from '../transport/types.js';
import { FrameDecoder, FrameError } from '../wire/decoder.js';
import { CLOSED_WITHOUT_ANSWER } from '../wire/foreign-peer.js';
import { encodeEnvelope, type ErrorEnvelope } from '../wire/envelope.js';
import { CodecId, type Frame, FrameKind, codecId, frameParts } from '../wire/frame.js';
import type { Limits } from '../wire/limits.js';
import { unavailable } from './call-errors.js';
import { Calls } from './calls.js';
import type { EventSink, FlowControl } from './events.js';
import { runHandshake, type HandshakeOptions, type PeerInfo } from './handshake-flow.js';
import { Inbound } from './inbound.js';
import { ANSWER, OTHER, Outbound, type OutboxKind, type Writer } from './outbound.js';
import { PeerEvents } from './peer-events.js';
import { PeerVersions } from './peer-versions.js';
import type { ServerState } from './serve.js';
import { bump, type LocalServices } from './services.js';
import { Subscriptions } from './subscriptions.js';
import { Watchdog } from './watchdog.js';

export interface ConnectionOptions extends HandshakeOptions {
  services: LocalServices;
  limits: Limits;
  /** Debug log for dropped frames and similar; silent by default. */
  debug?: (message: string) => void;
  /** Close it with GOODBYE when idle for idle_timeout_ms (connections accepted on a listener, §5.1). */
  closeWhenIdle?: boolean;
}

type Phase = 'handshake' | 'open' | 'closing' | 'closed';

export class Connection implements FlowControl {
  peer!: PeerInfo;
  /** What this side may use of the peer's modules, set with `peer` (docs/wire.md §2.2). */
  versions!: PeerVersions;
  readonly decoder: FrameDecoder;
  /** The serving side's state (serve.ts). */
  readonly server: ServerState;
  /** @internal The parts (see the top of this file). */
  readonly inbound: Inbound;
  /** @internal */
  readonly out: Outbound;
  /** @internal */
  readonly calls: Calls;
  /** @internal */
  readonly subscriptions: Subscriptions;
  /** @internal */
  readonly toPeer: PeerEvents;
  /** @internal */
  readonly watchdog: Watchdog;
  private state: Phase = 'handshake';
  /** Our GOODBYE was for idleness: the peer closes (or the grace timer does), not us. */
  private waitForPeerClose = false;
  private goodbyeTimer: ReturnType<typeof setTimeout> | undefined;
  private peerSaidGoodbye = false;
  private sentGoodbye = false;
  private closeReason = 'connection closed';
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private resolveClosed!: () => void;
  /** Resolves once the channel is closed and every pending call has failed. */
  readonly closed: Promise<void> = new Promise((r) => (this.resolveClosed = r));

  private constructor(
    readonly channel: ByteChannel,
    readonly options: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.limits);
    this.server = { active: new Map(), remoteSubs: new Map(), subscribedBy: new Map(), subscribeIds: new Map(), removeSink: undefined };
    this.inbound = new Inbound(this);
    this.out = new Outbound(channel, options.limits.maxInFlight, {
      pause: () => this.inbound.pause(),
      resume: () => this.inbound.resume(),
      maybeFinishClose: () => this.maybeFinishClose(),
      writersDone: () => this.toPeer.schedule(),
    });
    this.calls = new Calls(this);
    this.subscriptions = new Subscriptions(this);
    this.toPeer = new PeerEvents(this);
    this.watchdog = new Watchdog(this);
  }

  /** Runs the handshake on `channel`; resolves once calls can be made. */
  static async open(channel: ByteChannel, options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(channel, options);
    channel.start({
      data: (chunk) => conn.inbound.onData(chunk),
      close: (error) => conn.onChannelClose(error),
      drain: () => conn.out.onDrain(),
    });
    try {
      await runHandshake(
        conn,
        options,
        (fn) => (conn.inbound.handshakeFrames = fn),
        (peer) => {
          conn.peer = peer;
          conn.versions = new PeerVersions(peer);
          if (conn.state === 'handshake') conn.state = 'open';
        },
      );
    } catch (error) {
      conn.closeWith(error instanceof InteropError ? error.message : String(error));
      throw error;
    } finally {
      conn.inbound.handshakeFrames = undefined;
    }
    if (!conn.isClosed) conn.watchdog.start();
    return conn;
  }

  get isOpen(): boolean {
    return this.state === 'open' && !this.peerSaidGoodbye;
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Where the connection is in its life: handshake, open, closing (our GOODBYE sent), closed. */
  get phase(): Phase {
    return this.state;
  }

  get services(): LocalServices {
    return this.options.services;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.state === 'closed') listener(this.closeReason);
    else this.closeListeners.push(listener);
  }

  // ---- calling (calls.ts, subscriptions.ts) -----------------------------------------------

  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    return this.calls.call(module, fn, args, options);
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    this.calls.oneway(module, fn, args);
  }

  /** A stream function (stream-calls.ts); it starts when the returned CallerStream is first read. */
  stream(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], input: ItemSource<unknown> | undefined, options?: CallOptions): CallerStream {
    return new CallerStream(`${module.name}.${fn.name}`, fn.output !== undefined, (call) => startStream(this, call, module, fn, args, input, options));
  }

  /** Round-trip time in ms. */
  ping(timeoutMs = this.options.limits.defaultDeadlineMs): Promise<number> {
    return this.calls.ping(timeoutMs);
  }

  subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    return this.subscriptions.subscribe(module, event, handler);
  }

  /** Throws what a call of `fn` of `module` would fail with before it is sent (docs/wire.md §2.2). */
  checkFunction(module: ModuleDescriptor, fn: FunctionDescriptor): void {
    this.calls.checkFunction(module, fn);
  }

  /** Throws UNAVAILABLE when no new exchange may start: closed, or a GOODBYE either way. */
  ensureCanStart(): void {
    const refusal = this.startRefusal();
    if (refusal !== undefined) throw refusal;
  }

  /** Why no new exchange may start (UNAVAILABLE), or undefined when one may. */
  startRefusal(): InteropError | undefined {
    if (this.state === 'closed') return unavailable(`${this.channel.description}: ${this.closeReason}`);
    if (this.peerSaidGoodbye) return unavailable(`${this.channel.description}: peer said goodbye`);
    if (this.sentGoodbye) return unavailable(`${this.channel.description}: connection is closing`);
    return undefined;
  }

  // ---- sending (outbound.ts) --------------------------------------------------------------

  /**
   * Sends a frame: into this turn's batch while the channel takes data, else into the outbox, in
   * order, until it drains (docs/wire.md §5). `kind` says what the outbox counts it as.
   */
  send(frame: Frame, kind: OutboxKind = OTHER): void {
    this.out.send(frame, kind);
  }

  /** An answer the read loop gives by itself (PONG, refusals, acknowledgements, control documents). */
  answer(frame: Frame): void {
    this.out.send(frame, ANSWER);
  }

  sendError(correlation: number, target: string, codec: CodecName, env: ErrorEnvelope): void {
    const frame: Frame = { kind: FrameKind.ERROR, codec: codecId(codec), flags: 0, correlation, timeoutMs: 0, target, payload: encodeEnvelope(env, codec) };
    // A connection-level error goes out past the outbox: the connection closes after it.
    if (correlation === 0 && this.state !== 'closed') this.out.queue(frameParts(frame));
    else this.answer(frame);
  }

  /** Writes this turn's batch now. */
  flush(): void {
    this.out.flush();
  }

  /** Whether a frame sent now is written now: nothing waits in the outbox and the channel takes data. */
  writableNow(): boolean {
    return this.out.writableNow();
  }

  /** Waits for the channel: `writer.write()` runs once a frame can be written at once. */
  addWriter(writer: Writer): void {
    this.out.addWriter(writer);
  }

  removeWriter(writer: Writer): void {
    this.out.removeWriter(writer);
  }

  /** The peer cancelled an exchange whose answer still waits: it is not sent. Whether there was one. */
  withdrawAnswer(correlation: number): boolean {
    return this.out.withdrawAnswer(correlation);
  }

  get isCongested(): boolean {
    return this.out.isCongested;
  }

  /** Bytes this side holds for the peer: the channel's buffer and heldBytes(). */
  outboundBytes(): number {
    return (this.channel.buffered?.() ?? 0) + this.heldBytes();
  }

  /** Bytes this side holds for the peer beyond the channel's own buffer (batch, outbox, events). */
  heldBytes(): number {
    return this.out.heldBytes() + this.toPeer.heldBytes();
  }

  /** Bytes read from the peer and not handled yet: a partial frame, frames held while paused. */
  inboundBytes(): number {
    return this.inbound.bufferedBytes();
  }

  /** What waits for the peer: answers and one-way calls in the outbox, events per subscription. */
  get waiting(): { answers: number; oneways: number; outbox: number; events: number } {
    return { answers: this.out.answersWaiting, oneways: this.out.onewaysWaiting, outbox: this.out.outboxLength, events: this.toPeer.length };
  }

  // ---- events we publish to the peer (peer-events.ts) -------------------------------------

  /** The sink through which the node's hub reaches this connection's remote subscriptions. */
  get eventSink(): EventSink {
    return this.toPeer.sink;
  }

  /** Events discarded for the peer's subscriptions, per subscription ("module.event" or "module.*"). */
  get outboundDropped(): Map<string, number> {
    return this.toPeer.dropped;
  }

  /** The peer unsubscribed from `key`: its waiting events are not sent. */
  dropEventBacklog(key: string): void {
    this.toPeer.drop(key);
  }

  // ---- reading paused: a `block` subscription's full queue (inbound.ts) -------------------

  pause(): void {
    this.inbound.pause();
  }

  resume(): void {
    this.inbound.resume();
  }

  /** A framing error: the stream cannot be trusted any more (docs/wire.md §1). */
  failFraming(error: FrameError): void {
    this.inbound.failFraming(error);
  }

  // ---- closing ----------------------------------------------------------------------------

  /**
   * Clean close (docs/wire.md §1 GOODBYE): start nothing new, let outstanding exchanges in both
   * directions finish (at most `graceMs`), then close the channel.
   */
  async close(reason = '', graceMs = 2000): Promise<void> {
    if (this.state === 'closed') return this.closed;
    if (this.state === 'handshake') {
      this.closeWith('closed during handshake');
      return this.closed;
    }
    if (!this.sentGoodbye) {
      this.sentGoodbye = true;
      this.state = 'closing';
      this.send({ kind: FrameKind.GOODBYE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new TextEncoder().encode(reason) });
      this.failWaitingCalls();
    }
    const timer = setTimeout(() => this.closeWith('goodbye grace period over'), graceMs);
    this.maybeFinishClose();
    await this.closed;
    clearTimeout(timer);
  }

  /**
   * Idle for idle_timeout_ms (watchdog.ts, docs/wire.md §5.1): GOODBYE, then the peer closes, so a
   * request it sent before reading the GOODBYE is still answered; at most handshake_timeout_ms.
   */
  goodbyeWhenIdle(reason: string): void {
    if (this.state !== 'open' || this.sentGoodbye || this.peerSaidGoodbye) return;
    this.sentGoodbye = true;
    this.waitForPeerClose = true;
    this.state = 'closing';
    this.closeReason = reason;
    this.send({ kind: FrameKind.GOODBYE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload: new TextEncoder().encode(reason) });
    const timer = setTimeout(() => this.closeWith(`${reason}; the peer did not close`), this.options.limits.handshakeTimeoutMs);
    timer.unref?.();
    this.onClose(() => clearTimeout(timer));
  }

  /** The peer said GOODBYE: start nothing new, close once what is outstanding is done. */
  onPeerGoodbye(): void {
    this.peerSaidGoodbye = true;
    this.closeReason = 'peer said goodbye';
    this.failWaitingCalls();
    this.maybeFinishClose();
  }

  /** The reason later failures and close listeners report (a connection-level ERROR from the peer). */
  setCloseReason(reason: string): void {
    this.closeReason = reason;
  }

  /** After GOODBYE or close: calls waiting for a slot or for the channel fail (UNAVAILABLE). */
  private failWaitingCalls(): void {
    const error = unavailable(`${this.channel.description}: ${this.closeReason}`);
    this.calls.failSlotWaiters(error);
    this.out.failWriters(error);
  }

  /** Ends the channel once a goodbye was exchanged and nothing is outstanding or waiting. */
  maybeFinishClose(): void {
    if (!(this.sentGoodbye || this.peerSaidGoodbye) || this.state === 'closed' || this.waitForPeerClose) return;
    if (this.calls.size > 0 || this.server.active.size > 0) return;
    if (this.out.outboxLength > 0 || this.toPeer.length > 0) {
      // Answers wait for the peer to read them; a peer that said goodbye gets a bounded time
      // (our own close() has its grace period).
      if (this.peerSaidGoodbye && this.goodbyeTimer === undefined) {
        this.goodbyeTimer = setTimeout(() => this.closeWith(`${this.closeReason} (it read nothing more)`), this.options.limits.handshakeTimeoutMs);
        this.goodbyeTimer.unref?.();
      }
      return;
    }
    this.closeWith(this.closeReason);
  }

  /** Flushes what is queued, then ends the channel. */
  closeWith(reason: string): void {
    if (this.state === 'closed') return;
    this.closeReason = reason;
    this.out.flush();
    this.channel.end();
    // A peer that does not close its side is not waited for.
    setTimeout(() => this.channel.destroy(), 1000).unref?.();
  }

  private onChannelClose(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.out.closed = true;
    this.watchdog.stop();
    const truncated = this.decoder.end();
    // A transport that refused the peer's bytes itself (a WebSocket message too large) says so with a FrameError.
    if (truncated || error instanceof FrameError) bump(this.services.counters, 'rejected_frames');
    const reason = error ? `${this.closeReason}: ${error.message}` : this.closeReason;
    this.closeReason = reason;
    const failure = unavailable(`${this.channel.description}: ${reason}`);
    this.calls.failAll(failure);
    this.failWaitingCalls();
    for (const entry of this.server.active.values()) entry.abort(failure);
    this.server.active.clear();
    this.server.removeSink?.();
    this.server.remoteSubs.clear();
    this.server.subscribedBy.clear();
    this.server.subscribeIds.clear();
    this.toPeer.clear();
    this.subscriptions.closeAll();
    this.out.discard();
    clearTimeout(this.goodbyeTimer);
    const lost = this.inbound.nothingReceived ? CLOSED_WITHOUT_ANSWER : reason;
    this.inbound.handshakeFrames?.(new FrameError('truncated', ErrorCode.UNAVAILABLE, lost, { fatal: true }));
    for (const l of this.closeListeners.splice(0)) l(reason);
    this.resolveClosed();
  }
}
