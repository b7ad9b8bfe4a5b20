// One peer connection over any ByteChannel (docs/wire.md §1–§6): handshake, calls in both
// directions with correlation ids, deadlines, cancellation, the in-flight limit, subscriptions,
// ping, goodbye. Outgoing frames produced in one turn of the event loop go out as one write.
//
// Flow control (docs/wire.md §5): a peer that does not read cannot make this side buffer without
// bound. While the channel is congested (a write returned false and no drain followed yet):
// - a REQUEST (also SUBSCRIBE, PING) waits before it is written, within its deadline; at most
//   max_in_flight of them, as they hold in-flight slots;
// - a handler's RESPONSE or ERROR waits too, keeping its in-flight slot, so the peer's further
//   requests are refused with RESOURCE_EXHAUSTED;
// - EVENTs for the peer's subscriptions wait in one queue per subscription of at most
//   max_event_queue, with the event_queue_policy (block drops the newest: publishing never
//   waits); every drop is counted in dropped_events and in outboundDropped;
// - what the read loop answers by itself (PONG, SUBSCRIBE's RESPONSE, control documents, refusals)
//   waits in an ordered outbox; once more than max_in_flight such answers wait, more than a peer
//   that keeps to its in-flight limit can have asked for, this side stops reading that peer until
//   they are written (counted in paused_reads). A CANCEL withdraws a waiting answer;
// - a ONEWAY waits in the outbox too, at most max_in_flight of them; beyond that oneway() throws
//   RESOURCE_EXHAUSTED at once.
// Receiving, a subscription with the `block` policy whose queue is full stops reading until its
// handler makes room: the transport then holds the publisher (also counted in paused_reads).

import { ErrorCode, InteropError } from '../errors.js';
import type { CallOptions, CodecName, EventDescriptor, FunctionDescriptor, ModuleDescriptor, Subscription } from '../module.js';
import type { ByteChannel } from '../transport/types.js';
import { FrameDecoder, FrameError, type Decoded } from '../wire/decoder.js';
import { decodeEnvelope, encodeEnvelope, type ErrorEnvelope } from '../wire/envelope.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameKind, codecId, codecNameOf, frameParts } from '../wire/frame.js';
import { CONTROL_MODULE } from '../wire/handshake.js';
import type { Limits } from '../wire/limits.js';
import { errorFromEnvelope, unavailable } from './call-errors.js';
import { EventQueue, type EncodeFor, type EventSink, type FlowControl } from './events.js';
import { runHandshake, type HandshakeOptions, type PeerInfo } from './handshake-flow.js';
import { serveFrame, type ServerState } from './serve.js';
import { bump, type LocalServices } from './services.js';

export interface ConnectionOptions extends HandshakeOptions {
  services: LocalServices;
  limits: Limits;
  /** Debug log for dropped frames and similar; silent by default. */
  debug?: (message: string) => void;
}

interface Pending {
  kind: 'call' | 'subscribe' | 'ping';
  module?: ModuleDescriptor;
  fn?: FunctionDescriptor;
  resolve(value: unknown): void;
  reject(error: InteropError): void;
}

/**
 * Outbox entry kinds: an answer the read loop gave by itself (counted against the peer), a one-way
 * call (bounded), anything else (CANCEL, UNSUBSCRIBE, GOODBYE, bounded by what they refer to).
 */
export const OTHER = 0;
export const ANSWER = 1;
export const ONEWAY = 2;
export type OutboxKind = typeof OTHER | typeof ANSWER | typeof ONEWAY;

/** A frame waiting in the outbox; `parts` undefined once withdrawn (the peer cancelled). */
interface Held {
  kind: OutboxKind;
  correlation: number;
  parts: Uint8Array[] | undefined;
}

/** An event waiting for the channel, with its publish sequence (order across subscriptions). */
export interface QueuedEvent {
  seq: number;
  parts: Uint8Array[];
}

/** Something waiting for the channel to take frames at once: a request, a handler's answer. */
export interface Writer {
  /** Called once, when a frame can be written at once: writes its frame. */
  write(): void;
  /** Called instead when the connection closes or says GOODBYE first (requests only). */
  fail?(error: InteropError): void;
}

/** A batch this large is written at once, so that the channel's congestion shows without delay. */
const BATCH_BYTES = 16_384;

interface LocalSubs {
  module: ModuleDescriptor;
  event: EventDescriptor;
  queues: Set<EventQueue>;
  /** Settles when the peer answered SUBSCRIBE. */
  ready: Promise<void>;
}

export class Connection implements FlowControl {
  peer!: PeerInfo;
  readonly decoder: FrameDecoder;
  private state: 'handshake' | 'open' | 'closing' | 'closed' = 'handshake';
  /** Frames queued in this turn, written together at its end (or at once past BATCH_BYTES). */
  private batch: Uint8Array[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  /** A write returned false and no drain followed yet: the channel holds its high-water mark. */
  private congested = false;
  /** Frames that could not be written at once, in order (docs/wire.md §5). */
  private readonly outbox = new Fifo<Held>();
  private heldAnswers = 0;
  private heldOneways = 0;
  /** Reading is paused because more than max_in_flight answers wait in the outbox. */
  private answersPaused = false;
  /** Requests and handlers' answers waiting for the channel, in order. */
  private readonly writers = new Set<Writer>();
  private eventsScheduled = false;
  private backlogLength = 0;
  private eventSeq = 0;
  /** Events discarded for the peer's subscriptions, per subscription ("module.event" or "module.*"). */
  readonly outboundDropped = new Map<string, number>();
  private goodbyeTimer: ReturnType<typeof setTimeout> | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outstandingCalls = 0;
  private readonly slotWaiters = new Fifo<(error?: InteropError) => void>();
  private readonly localSubs = new Map<string, LocalSubs>();
  private peerSaidGoodbye = false;
  private sentGoodbye = false;
  private closeReason = 'connection closed';
  private pauses = 0;
  private processing = false;
  /** Decoded frames not yet handled because reading is paused. */
  private unread: Decoded[] = [];
  private handshakeFrames: ((item: Decoded) => void) | undefined;
  private readonly closeListeners: Array<(reason: string) => void> = [];
  private resolveClosed!: () => void;
  /** Resolves once the channel is closed and every pending call has failed. */
  readonly closed: Promise<void> = new Promise((r) => (this.resolveClosed = r));
  readonly server: ServerState;

  private constructor(
    readonly channel: ByteChannel,
    readonly options: ConnectionOptions,
  ) {
    this.decoder = new FrameDecoder(options.limits);
    this.server = { active: new Map(), remoteSubs: new Map(), removeSink: undefined, eventBacklog: new Map() };
  }

  /** Runs the handshake on `channel`; resolves once calls can be made. */
  static async open(channel: ByteChannel, options: ConnectionOptions): Promise<Connection> {
    const conn = new Connection(channel, options);
    channel.start({
      data: (chunk) => conn.onData(chunk),
      close: (error) => conn.onChannelClose(error),
      drain: () => conn.onDrain(),
    });
    try {
      await runHandshake(
        conn,
        options,
        (fn) => (conn.handshakeFrames = fn),
        (peer) => {
          conn.peer = peer;
          if (conn.state === 'handshake') conn.state = 'open';
        },
      );
    } catch (error) {
      conn.closeWith(error instanceof InteropError ? error.message : String(error));
      throw error;
    } finally {
      conn.handshakeFrames = undefined;
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.state === 'open' && !this.peerSaidGoodbye;
  }

  get services(): LocalServices {
    return this.options.services;
  }

  onClose(listener: (reason: string) => void): void {
    if (this.state === 'closed') listener(this.closeReason);
    else this.closeListeners.push(listener);
  }

  // ---- sending ----------------------------------------------------------------------------

  /**
   * Sends a frame: into this turn's batch while the channel takes data, else into the outbox, in
   * order, until it drains (docs/wire.md §5). `kind` says what the outbox counts it as.
   */
  send(frame: Frame, kind: OutboxKind = OTHER): void {
    if (this.state === 'closed') return;
    if (this.outbox.length > 0 || this.congested) return this.hold(kind, frame.correlation, frameParts(frame));
    this.queue(frameParts(frame));
  }

  /** An answer the read loop gives by itself (PONG, refusals, acknowledgements, control documents). */
  answer(frame: Frame): void {
    this.send(frame, ANSWER);
  }

  private queue(parts: Uint8Array[]): void {
    for (const part of parts) {
      this.batch.push(part);
      this.batchBytes += part.length;
    }
    if (this.batchBytes >= BATCH_BYTES) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private hold(kind: OutboxKind, correlation: number, parts: Uint8Array[]): void {
    this.outbox.push({ kind, correlation, parts });
    if (kind === ANSWER) {
      if (++this.heldAnswers > this.options.limits.maxInFlight && !this.answersPaused) {
        // More answers wait than a peer within its in-flight limit can have asked for: it does
        // not read them. Stop reading it until they are written.
        this.answersPaused = true;
        this.pause();
      }
    } else if (kind === ONEWAY) {
      this.heldOneways++;
    }
  }

  /** Writes this turn's batch. */
  flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0 || this.state === 'closed') return;
    const batch = this.batch;
    this.batch = [];
    this.batchBytes = 0;
    if (!this.channel.write(batch)) this.congested = true;
  }

  /** Whether a frame sent now is written now: nothing waits in the outbox and the channel takes data. */
  writableNow(): boolean {
    return this.outbox.length === 0 && !this.congested && this.state !== 'closed';
  }

  /** Waits for the channel: `writer.write()` runs once a frame can be written at once. */
  addWriter(writer: Writer): void {
    this.writers.add(writer);
  }

  removeWriter(writer: Writer): void {
    this.writers.delete(writer);
  }

  get isCongested(): boolean {
    return this.congested;
  }

  /** Bytes this side holds for the peer: the channel's buffer and heldBytes(). */
  outboundBytes(): number {
    return (this.channel.buffered?.() ?? 0) + this.heldBytes();
  }

  /** Bytes read from the peer and not handled yet: a partial frame, frames held while paused. */
  inboundBytes(): number {
    let n = this.decoder.bufferedBytes;
    for (const item of this.unread) if (!(item instanceof FrameError)) n += item.payload.length + item.target.length + 18;
    return n;
  }

  /** Bytes this side holds for the peer beyond the channel's own buffer (batch, outbox, events). */
  heldBytes(): number {
    let n = this.batchBytes;
    for (const h of this.outbox) if (h.parts) for (const p of h.parts) n += p.length;
    for (const q of this.server.eventBacklog.values()) for (const e of q) for (const p of e.parts) n += p.length;
    return n;
  }

  /** What waits for the peer: answers and one-way calls in the outbox, events per subscription. */
  get waiting(): { answers: number; oneways: number; outbox: number; events: number } {
    return { answers: this.heldAnswers, oneways: this.heldOneways, outbox: this.outbox.length, events: this.backlogLength };
  }

  sendError(correlation: number, target: string, codec: CodecName, env: ErrorEnvelope): void {
    const frame: Frame = { kind: FrameKind.ERROR, codec: codecId(codec), flags: 0, correlation, timeoutMs: 0, target, payload: encodeEnvelope(env, codec) };
    // A connection-level error goes out past the outbox: the connection closes after it.
    if (correlation === 0 && this.state !== 'closed') this.queue(frameParts(frame));
    else this.answer(frame);
  }

  private onDrain(): void {
    this.congested = false;
    this.pump();
  }

  /**
   * Writes what waits, oldest first, while the channel takes it: the batch, then the outbox; then
   * lets waiting writers write, and events follow in the next turn (after the writers' frames).
   */
  private pump(): void {
    this.flush();
    while (!this.congested && this.state !== 'closed') {
      const held = this.outbox.shift();
      if (held === undefined) break;
      if (held.parts === undefined) continue; // withdrawn
      if (held.kind === ANSWER) this.heldAnswers--;
      else if (held.kind === ONEWAY) this.heldOneways--;
      if (!this.channel.write(held.parts)) this.congested = true;
    }
    this.resumeAnswers();
    if (!this.writableNow()) return;
    this.maybeFinishClose(); // a goodbye may have waited for the outbox
    for (const writer of this.writers) {
      if (!this.writableNow()) return;
      this.writers.delete(writer);
      writer.write();
    }
    this.scheduleEvents();
  }

  private resumeAnswers(): void {
    if (this.answersPaused && this.heldAnswers <= this.options.limits.maxInFlight) {
      this.answersPaused = false;
      this.resume();
    }
  }

  /**
   * The peer cancelled an exchange whose answer still waits in the outbox: it is not sent. Returns
   * whether there was one.
   */
  withdrawAnswer(correlation: number): boolean {
    if (this.heldAnswers === 0) return false;
    for (const held of this.outbox) {
      if (held.kind === ANSWER && held.correlation === correlation && held.parts !== undefined) {
        held.parts = undefined;
        this.heldAnswers--;
        this.resumeAnswers();
        return true;
      }
    }
    return false;
  }

    // ---- receiving --------------------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    const items = this.decoder.push(chunk);
    if (this.unread.length > 0 || this.pauses > 0) {
      for (const item of items) this.unread.push(item);
      return;
    }
    this.process(items);
  }

  /** Handles decoded items; stops (keeping the rest) when reading was paused. */
  private process(items: Decoded[]): void {
    this.processing = true;
    try {
      for (let i = 0; i < items.length; i++) {
        if (this.state === 'closed') return;
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
    bump(this.services.counters, 'rejected_frames');
    this.sendError(0, '', 'json', { code: error.code, message: error.message });
    this.closeWith(`framing error from peer: ${error.message}`);
  }

  /** One bad but delimited frame: answer it unless answering could loop (docs/wire.md §1.4). */
  private rejectFrame(error: FrameError): void {
    bump(this.services.counters, 'rejected_frames');
    this.options.debug?.(`rejected frame: ${error.message}`);
    const answers = error.kind === FrameKind.RESPONSE || error.kind === FrameKind.ERROR || error.kind === FrameKind.PONG || error.kind === FrameKind.CANCEL;
    if (answers) {
      // Never answer an answer (§1.4): fail the matching exchange locally, or drop it.
      if (this.pending.has(error.correlation)) this.settle(error.correlation, undefined, error);
      else if (error.kind === FrameKind.CANCEL) this.withdrawAnswer(error.correlation);
      return;
    }
    // No exchange to answer: an ERROR with correlation 0 would read as connection-level.
    if (error.kind === FrameKind.ONEWAY || error.kind === FrameKind.EVENT || error.kind === FrameKind.UNSUBSCRIBE || error.kind === FrameKind.GOODBYE) return;
    const codec = codecNameOf(error.codec) ?? 'json';
    this.sendError(error.correlation, error.target, codec, { code: error.code, message: error.message });
  }

  private dispatch(frame: Frame): void {
    switch (frame.kind) {
      case FrameKind.RESPONSE:
      case FrameKind.ERROR:
      case FrameKind.PONG:
        return this.onAnswer(frame);
      case FrameKind.EVENT:
        return this.onEvent(frame);
      case FrameKind.GOODBYE:
        this.peerSaidGoodbye = true;
        this.closeReason = 'peer said goodbye';
        this.rejectSlotWaiters();
        return this.maybeFinishClose();
      case FrameKind.PING:
        return this.answer({ ...frame, kind: FrameKind.PONG, codec: CodecId.none, timeoutMs: 0 });
      case FrameKind.HELLO:
      case FrameKind.WELCOME:
        // Correlation 0: an ERROR for it would read as connection-level (§1.4). Dropped, counted.
        bump(this.services.counters, 'rejected_frames');
        this.options.debug?.('dropped a handshake frame after the handshake');
        return;
      default:
        return serveFrame(this, frame);
    }
  }

  private onAnswer(frame: Frame): void {
    const p = this.pending.get(frame.correlation);
    if (!p || frame.correlation === 0) {
      if (frame.kind === FrameKind.ERROR && frame.correlation === 0) {
        const env = this.tryEnvelope(frame);
        this.closeReason = `peer reported: ${env ? env.message : 'an error'}`;
      }
      bump(this.services.counters, 'late_responses');
      this.options.debug?.(`dropped answer for unknown correlation ${frame.correlation}`);
      return;
    }
    const codec = codecNameOf(frame.codec);
    if (frame.kind === FrameKind.ERROR) {
      const env = this.tryEnvelope(frame);
      const error = env
        ? errorFromEnvelope(p.module, env, codec ?? 'json', this.options.limits)
        : new InteropError(ErrorCode.UNKNOWN, 'peer sent an error envelope that does not decode');
      return this.settle(frame.correlation, undefined, error);
    }
    if (p.kind === 'ping') return this.settle(frame.correlation, frame.payload);
    if (p.kind === 'subscribe' || !p.fn?.result) return this.settle(frame.correlation, undefined);
    if (!codec) return this.settle(frame.correlation, undefined, new InteropError(ErrorCode.PROTOCOL_ERROR, 'RESPONSE without a payload codec'));
    try {
      this.settle(frame.correlation, p.fn.result.decode(frame.payload, codec, this.options.limits));
    } catch (error) {
      this.settle(frame.correlation, undefined, asInterop(error, ErrorCode.INVALID_ARGUMENT));
    }
  }

  private tryEnvelope(frame: Frame): ErrorEnvelope | undefined {
    try {
      return decodeEnvelope(frame.payload, codecNameOf(frame.codec) ?? 'json', this.options.limits.maxDepth);
    } catch {
      return undefined;
    }
  }

  private settle(correlation: number, value: unknown, error?: InteropError): void {
    const p = this.pending.get(correlation);
    if (!p) return;
    this.pending.delete(correlation);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  private onEvent(frame: Frame): void {
    const subs = this.localSubs.get(frame.target);
    const codec = codecNameOf(frame.codec);
    if (!subs || subs.queues.size === 0) {
      bump(this.services.counters, 'unsolicited_events');
      return;
    }
    let payload: unknown;
    try {
      if (subs.event.payload) {
        if (!codec) throw new InteropError(ErrorCode.PROTOCOL_ERROR, 'EVENT without a payload codec');
        payload = subs.event.payload.decode(frame.payload, codec, this.options.limits);
      }
    } catch (error) {
      bump(this.services.counters, 'undecodable_events');
      this.options.debug?.(`dropped EVENT ${frame.target}: ${String(error)}`);
      return;
    }
    for (const q of subs.queues) q.push(payload);
  }

  // ---- calling ----------------------------------------------------------------------------

  /** Fails when the peer does not offer `module` with the same fingerprint (found at handshake). */
  checkModule(module: ModuleDescriptor): void {
    if (module.name === CONTROL_MODULE) return;
    const theirs = Object.prototype.hasOwnProperty.call(this.peer.offers, module.name) ? this.peer.offers[module.name] : undefined;
    if (theirs === undefined) throw new InteropError(ErrorCode.NOT_FOUND, `${this.peer.node || 'peer'} does not offer module ${module.name}`);
    if (theirs !== module.fingerprint) {
      throw new InteropError(ErrorCode.SCHEMA_MISMATCH, `module ${module.name}: this side was generated from ${module.fingerprint}, ${this.peer.node || 'peer'} has ${theirs}`);
    }
  }

  private ensureCanStart(): void {
    if (this.state === 'closed') throw unavailable(`${this.channel.description}: ${this.closeReason}`);
    if (this.peerSaidGoodbye) throw unavailable(`${this.channel.description}: peer said goodbye`);
    if (this.sentGoodbye) throw unavailable(`${this.channel.description}: connection is closing`);
  }

  private allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** A free in-flight slot, waiting for one if max_in_flight calls are outstanding. */
  private async acquireSlot(deadline: number, signal: AbortSignal | undefined): Promise<void> {
    if (this.outstandingCalls < this.options.limits.maxInFlight) {
      this.outstandingCalls++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => finish(new InteropError(ErrorCode.CANCELLED, 'call cancelled while waiting for an in-flight slot'), true);
      const timer = setTimeout(() => finish(new InteropError(ErrorCode.DEADLINE_EXCEEDED, 'deadline passed while waiting for an in-flight slot'), true), Math.max(0, deadline - Date.now()));
      // releaseSlot() shifts the waiter off the queue before calling it; only a timeout or an
      // abort must search for it (a linear search per release would make a burst quadratic).
      const waiter = (error?: InteropError) => finish(error, false);
      const finish = (error: InteropError | undefined, dequeue: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (dequeue) this.slotWaiters.remove(waiter);
        if (error) reject(error);
        else resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.slotWaiters.push(waiter);
    });
    this.ensureCanStart();
    this.outstandingCalls++;
  }

  private releaseSlot(): void {
    this.outstandingCalls--;
    const next = this.slotWaiters.shift();
    if (next) next();
    this.maybeFinishClose();
  }

  /** After GOODBYE or close: calls waiting for a slot or for the channel fail (UNAVAILABLE). */
  private rejectSlotWaiters(): void {
    const error = unavailable(`${this.channel.description}: ${this.closeReason}`);
    for (let w = this.slotWaiters.shift(); w; w = this.slotWaiters.shift()) w(error);
    for (const writer of this.writers) {
      if (writer.fail === undefined) continue; // a handler's answer: it still goes out
      this.writers.delete(writer);
      writer.fail(error);
    }
  }

  async call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    const signal = options.signal;
    if (signal?.aborted) throw new InteropError(ErrorCode.CANCELLED, `${fn.name}: cancelled before it was sent`);
    this.ensureCanStart();
    this.checkModule(module);
    const timeoutMs = options.timeoutMs ?? this.options.limits.defaultDeadlineMs;
    const deadline = Date.now() + timeoutMs;
    await this.acquireSlot(deadline, signal);
    let payload: Uint8Array;
    const codec = this.peer.sendCodec;
    try {
      payload = fn.params.encode(args, codec);
    } catch (error) {
      this.releaseSlot();
      throw asInterop(error, ErrorCode.INVALID_ARGUMENT);
    }
    return this.exchange({ kind: 'call', module, fn }, FrameKind.REQUEST, codecId(codec), `${module.name}.${fn.name}`, payload, deadline, timeoutMs, signal);
  }

  /**
   * Sends a request-like frame (REQUEST, SUBSCRIBE, PING) under the in-flight slot the caller
   * holds (released here) and waits for its answer. While the channel is congested the frame
   * waits to be written, within the deadline. On timeout or abort the peer gets a CANCEL (§6).
   */
  private exchange(
    info: Pick<Pending, 'kind' | 'module' | 'fn'>,
    kind: FrameKind,
    codec: CodecId,
    target: string,
    payload: Uint8Array,
    deadline: number,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<unknown> {
    const label = target || info.kind;
    return new Promise<unknown>((resolve, reject) => {
      let id = 0; // 0 until written
      let writer: Writer | undefined;
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.releaseSlot();
      };
      const stop = (error: InteropError) => {
        if (id === 0) {
          if (writer) this.writers.delete(writer);
          writer = undefined;
          done();
          reject(error);
          return;
        }
        if (!this.pending.has(id)) return;
        this.settle(id, undefined, error);
        this.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
      };
      const onAbort = () => stop(new InteropError(ErrorCode.CANCELLED, `${label}: cancelled by the caller`));
      const timer = setTimeout(() => {
        const why = id === 0 ? `the peer read nothing more before the deadline of ${timeoutMs} ms` : `deadline of ${timeoutMs} ms exceeded`;
        stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${label}: ${why}`));
      }, Math.max(0, deadline - Date.now()));
      const start = () => {
        writer = undefined;
        id = this.allocateId();
        // One object shape for every pending entry (a spread here made calls ~10% slower).
        this.pending.set(id, { kind: info.kind, module: info.module, fn: info.fn, resolve: (v) => (done(), resolve(v)), reject: (e) => (done(), reject(e)) });
        const remaining = Math.max(1, deadline - Date.now());
        this.send({ kind, codec, flags: 0, correlation: id, timeoutMs: kind === FrameKind.REQUEST ? remaining : 0, target, payload });
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      if (this.writableNow()) return start();
      // The peer is not reading what we sent: wait (within the deadline) rather than buffer.
      writer = {
        write: start,
        fail: (error) => {
          writer = undefined;
          done();
          reject(error);
        },
      };
      this.writers.add(writer);
    });
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    this.ensureCanStart();
    this.checkModule(module);
    const target = `${module.name}.${fn.name}`;
    // One-way calls cannot wait (no promise): past max_in_flight held ones, refuse at once.
    if (this.heldOneways >= this.options.limits.maxInFlight && !this.writableNow()) {
      throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `${target}: ${this.heldOneways} one-way calls already wait for ${this.peer.node || 'the peer'} to read`);
    }
    const codec = this.peer.sendCodec;
    const payload = fn.params.encode(args, codec);
    this.send({ kind: FrameKind.ONEWAY, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target, payload }, ONEWAY);
  }

  /** Round-trip time in ms. */
  async ping(timeoutMs = this.options.limits.defaultDeadlineMs): Promise<number> {
    this.ensureCanStart();
    const start = performance.now();
    const deadline = Date.now() + timeoutMs;
    await this.acquireSlot(deadline, undefined);
    await this.exchange({ kind: 'ping' }, FrameKind.PING, CodecId.none, '', EMPTY_PAYLOAD, deadline, timeoutMs, undefined);
    return performance.now() - start;
  }

  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    this.ensureCanStart();
    this.checkModule(module);
    const target = `${module.name}.${event.name}`;
    let subs = this.localSubs.get(target);
    if (!subs) {
      const timeoutMs = this.options.limits.defaultDeadlineMs;
      const deadline = Date.now() + timeoutMs;
      const ready = this.acquireSlot(deadline, undefined)
        // The SUBSCRIBE's codec is the one the EVENTs will come in (docs/wire.md §1.2).
        .then(() => this.exchange({ kind: 'subscribe' }, FrameKind.SUBSCRIBE, codecId(this.peer.sendCodec), target, EMPTY_PAYLOAD, deadline, timeoutMs, undefined))
        .then(() => undefined);
      subs = { module, event, queues: new Set(), ready };
      this.localSubs.set(target, subs);
      ready.catch(() => {
        if (this.localSubs.get(target) === subs) this.localSubs.delete(target);
      });
    }
    await subs.ready;
    const { limits } = this.options;
    const queue = new EventQueue(handler, limits.maxEventQueue, limits.eventQueuePolicy, {
      flow: this,
      onDrop: () => bump(this.services.counters, 'dropped_events'),
      onHandlerError: (e) => {
        bump(this.services.counters, 'event_handler_errors');
        this.options.debug?.(`event handler for ${target} failed: ${String(e)}`);
      },
    });
    const entry = subs;
    entry.queues.add(queue);
    return {
      get dropped() {
        return queue.dropped;
      },
      unsubscribe: async () => {
        if (!entry.queues.delete(queue)) return;
        queue.close();
        if (entry.queues.size === 0 && this.localSubs.get(target) === entry) {
          this.localSubs.delete(target);
          if (this.state === 'open') {
            this.send({ kind: FrameKind.UNSUBSCRIBE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target, payload: EMPTY_PAYLOAD });
          }
        }
      },
    };
  }

  // ---- reading paused: a `block` subscription's full queue, or answers the peer does not read --

  pause(): void {
    bump(this.services.counters, 'paused_reads');
    if (this.pauses++ === 0) this.channel.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) {
      this.channel.resume();
      if (this.processing) return; // the loop handling frames goes on by itself
      const unread = this.unread;
      this.unread = [];
      this.process(unread);
    }
  }

  // ---- events we publish to the peer ------------------------------------------------------

  /** The sink through which the node's hub reaches this connection's remote subscriptions. */
  readonly eventSink: EventSink = {
    wants: (m, e) => this.server.remoteSubs.has(`${m}.${e}`) || this.server.remoteSubs.has(`${m}.*`),
    deliver: (module, event, _payload, encode: EncodeFor) => this.sendEvent(module, event, encode),
  };

  private sendEvent(module: ModuleDescriptor, event: EventDescriptor, encode: EncodeFor): void {
    if (this.state === 'closed') return;
    const target = `${module.name}.${event.name}`;
    const key = this.server.remoteSubs.has(target) ? target : `${module.name}.*`;
    const codec = this.server.remoteSubs.get(key) ?? this.peer.sendCodec;
    const backlog = this.server.eventBacklog;
    let queue = backlog.get(key);
    const { maxEventQueue, eventQueuePolicy } = this.options.limits;
    if (queue !== undefined && queue.length >= maxEventQueue) {
      // The subscription's queue is full: the policy discards one event, counted (docs/wire.md §5).
      bump(this.services.counters, 'dropped_events');
      this.outboundDropped.set(key, (this.outboundDropped.get(key) ?? 0) + 1);
      if (eventQueuePolicy !== 'drop_oldest') return; // drop_newest; block cannot hold publish()
      queue.shift();
      this.backlogLength--;
    }
    let payload: Uint8Array;
    try {
      payload = encode(codec);
    } catch (error) {
      bump(this.services.counters, 'unencodable_events');
      this.options.debug?.(`cannot encode EVENT ${target}: ${String(error)}`);
      return;
    }
    // In the subscription's codec, also when the payload is empty (docs/wire.md §1.2).
    const frame: Frame = { kind: FrameKind.EVENT, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target, payload };
    if (this.backlogLength === 0 && this.writableNow()) return this.send(frame);
    // The channel is congested: the event waits in its subscription's bounded queue.
    if (queue === undefined) backlog.set(key, (queue = new Fifo()));
    queue.push({ seq: ++this.eventSeq, parts: frameParts(frame) });
    this.backlogLength++;
    if (this.writableNow()) this.scheduleEvents();
  }

  /** The peer unsubscribed from `key`: its waiting events are not sent. */
  dropEventBacklog(key: string): void {
    const queue = this.server.eventBacklog.get(key);
    if (queue === undefined) return;
    this.server.eventBacklog.delete(key);
    this.backlogLength -= queue.length;
  }

  private scheduleEvents(): void {
    if (this.eventsScheduled || this.backlogLength === 0) return;
    this.eventsScheduled = true;
    setImmediate(() => {
      this.eventsScheduled = false;
      this.pumpEvents();
    });
  }

  /** Writes waiting events in publish order across subscriptions, while the channel takes them. */
  private pumpEvents(): void {
    this.flush();
    const backlog = this.server.eventBacklog;
    while (this.backlogLength > 0 && this.writableNow()) {
      let key: string | undefined;
      let first: QueuedEvent | undefined;
      for (const [k, queue] of backlog) {
        const head = queue.peek();
        if (head !== undefined && (first === undefined || head.seq < first.seq)) {
          first = head;
          key = k;
        }
      }
      const queue = backlog.get(key!)!;
      queue.shift();
      if (queue.length === 0) backlog.delete(key!);
      this.backlogLength--;
      if (!this.channel.write(first!.parts)) this.congested = true;
    }
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
      this.rejectSlotWaiters();
    }
    const timer = setTimeout(() => this.closeWith('goodbye grace period over'), graceMs);
    this.maybeFinishClose();
    await this.closed;
    clearTimeout(timer);
  }

  /** Ends the channel once a goodbye was exchanged and nothing is outstanding or waiting. */
  maybeFinishClose(): void {
    if (!(this.sentGoodbye || this.peerSaidGoodbye) || this.state === 'closed') return;
    if (this.pending.size > 0 || this.server.active.size > 0) return;
    if (this.outbox.length > 0 || this.backlogLength > 0) {
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
    this.flush();
    this.channel.end();
    // A peer that does not close its side is not waited for.
    setTimeout(() => this.channel.destroy(), 1000).unref();
  }

  private onChannelClose(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const truncated = this.decoder.end();
    if (truncated) bump(this.services.counters, 'rejected_frames');
    const reason = error ? `${this.closeReason}: ${error.message}` : this.closeReason;
    this.closeReason = reason;
    const failure = unavailable(`${this.channel.description}: ${reason}`);
    for (const id of [...this.pending.keys()]) this.settle(id, undefined, failure);
    this.rejectSlotWaiters();
    for (const entry of this.server.active.values()) entry.abort(failure);
    this.server.active.clear();
    this.writers.clear();
    this.server.removeSink?.();
    this.server.remoteSubs.clear();
    this.server.eventBacklog.clear();
    this.backlogLength = 0;
    for (const subs of this.localSubs.values()) for (const q of subs.queues) q.close();
    this.localSubs.clear();
    this.batch = [];
    this.batchBytes = 0;
    this.outbox.clear();
    this.heldAnswers = this.heldOneways = 0;
    clearTimeout(this.goodbyeTimer);
    this.handshakeFrames?.(new FrameError('truncated', ErrorCode.UNAVAILABLE, reason, { fatal: true }));
    for (const l of this.closeListeners.splice(0)) l(reason);
    this.resolveClosed();
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }
}

/** A FIFO queue with O(1) shift (Array#shift is linear on long arrays). */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.head < this.items.length ? this.items[this.head] : undefined;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i]!;
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Linear; used only when a waiter gives up (timeout, abort). */
  remove(item: T): void {
    const i = this.items.indexOf(item, this.head);
    if (i >= 0) this.items.splice(i, 1);
  }
}

export function asInterop(error: unknown, code: number): InteropError {
  if (error instanceof InteropError) return error;
  return new InteropError(code, error instanceof Error ? error.message : String(error), { cause: error });
}
