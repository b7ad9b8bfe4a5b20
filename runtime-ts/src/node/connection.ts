// One peer connection over any ByteChannel (docs/wire.md §1–§6): handshake, calls in both
// directions with correlation ids, deadlines, cancellation, the in-flight limit, subscriptions,
// ping, goodbye. Outgoing frames produced in one turn of the event loop go out as one write.

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
  private outbox: Uint8Array[] = [];
  private flushScheduled = false;
  private congested = false;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private outstandingCalls = 0;
  private readonly slotWaiters = new Fifo<(error?: InteropError) => void>();
  private readonly localSubs = new Map<string, LocalSubs>();
  private peerSaidGoodbye = false;
  private sentGoodbye = false;
  private closeReason = 'connection closed';
  private pauses = 0;
  /** Decoded frames not yet handled because a `block` subscription paused reading. */
  private held: Decoded[] = [];
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

  /** Queues a frame; everything queued in this turn is written together. */
  send(frame: Frame): void {
    if (this.state === 'closed') return;
    for (const part of frameParts(frame)) this.outbox.push(part);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.flushScheduled = false;
    if (this.outbox.length === 0 || this.state === 'closed') return;
    const batch = this.outbox;
    this.outbox = [];
    if (!this.channel.write(batch)) this.congested = true;
  }

  get isCongested(): boolean {
    return this.congested;
  }

  sendError(correlation: number, target: string, codec: CodecName, env: ErrorEnvelope): void {
    this.send({ kind: FrameKind.ERROR, codec: codecId(codec), flags: 0, correlation, timeoutMs: 0, target, payload: encodeEnvelope(env, codec) });
  }

  private onDrain(): void {
    this.congested = false;
    this.drainEventBacklog();
  }

  // ---- receiving --------------------------------------------------------------------------

  private onData(chunk: Uint8Array): void {
    const items = this.decoder.push(chunk);
    if (this.held.length > 0 || this.pauses > 0) {
      for (const item of items) this.held.push(item);
      return;
    }
    this.process(items, 0);
  }

  /** Handles decoded items from `from` on; stops (keeping the rest) when a `block` queue paused us. */
  private process(items: Decoded[], from: number): void {
    for (let i = from; i < items.length; i++) {
      if (this.state === 'closed') return;
      if (this.pauses > 0) {
        this.held = items.slice(i);
        return;
      }
      const item = items[i]!;
      if (item instanceof FrameError && item.fatal) return this.failFraming(item);
      if (this.handshakeFrames) this.handshakeFrames(item);
      else if (item instanceof FrameError) this.rejectFrame(item);
      else this.dispatch(item);
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
      this.settle(error.correlation, undefined, error);
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
        return this.send({ ...frame, kind: FrameKind.PONG, codec: CodecId.none, timeoutMs: 0 });
      case FrameKind.HELLO:
      case FrameKind.WELCOME:
        return this.sendError(frame.correlation, '', 'json', { code: ErrorCode.PROTOCOL_ERROR, message: 'handshake frame after the handshake' });
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

  private rejectSlotWaiters(): void {
    const error = unavailable(`${this.channel.description}: ${this.closeReason}`);
    for (let w = this.slotWaiters.shift(); w; w = this.slotWaiters.shift()) w(error);
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
    const id = this.allocateId();
    const target = `${module.name}.${fn.name}`;
    return new Promise<unknown>((resolve, reject) => {
      const remaining = Math.max(1, deadline - Date.now());
      const stop = (code: number, message: string) => {
        if (!this.pending.has(id)) return;
        this.settle(id, undefined, new InteropError(code, message));
        this.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
      };
      const onAbort = () => stop(ErrorCode.CANCELLED, `${target}: cancelled by the caller`);
      const timer = setTimeout(() => stop(ErrorCode.DEADLINE_EXCEEDED, `${target}: deadline of ${timeoutMs} ms exceeded`), remaining);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.releaseSlot();
      };
      this.pending.set(id, {
        kind: 'call',
        module,
        fn,
        resolve: (v) => (done(), resolve(v)),
        reject: (e) => (done(), reject(e)),
      });
      signal?.addEventListener('abort', onAbort, { once: true });
      this.send({ kind: FrameKind.REQUEST, codec: codecId(codec), flags: 0, correlation: id, timeoutMs: remaining, target, payload });
    });
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    this.ensureCanStart();
    this.checkModule(module);
    const codec = this.peer.sendCodec;
    const payload = fn.params.encode(args, codec);
    this.send({ kind: FrameKind.ONEWAY, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target: `${module.name}.${fn.name}`, payload });
  }

  /** Round-trip time in ms. */
  async ping(timeoutMs = this.options.limits.defaultDeadlineMs): Promise<number> {
    this.ensureCanStart();
    const id = this.allocateId();
    const start = performance.now();
    await this.exchange(id, 'ping', timeoutMs, { kind: FrameKind.PING, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
    return performance.now() - start;
  }

  private exchange(id: number, kind: 'ping' | 'subscribe', timeoutMs: number, frame: Frame): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.settle(id, undefined, new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${kind} timed out`)), timeoutMs);
      this.pending.set(id, {
        kind,
        resolve: (v) => (clearTimeout(timer), resolve(v), this.maybeFinishClose()),
        reject: (e) => (clearTimeout(timer), reject(e), this.maybeFinishClose()),
      });
      this.send(frame);
    });
  }

  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    this.ensureCanStart();
    this.checkModule(module);
    const target = `${module.name}.${event.name}`;
    let subs = this.localSubs.get(target);
    if (!subs) {
      const id = this.allocateId();
      const ready = this.exchange(id, 'subscribe', this.options.limits.defaultDeadlineMs, {
        // The SUBSCRIBE's codec is the one the EVENTs will come in (docs/wire.md §1.2).
        kind: FrameKind.SUBSCRIBE, codec: codecId(this.peer.sendCodec), flags: 0, correlation: id, timeoutMs: 0, target, payload: EMPTY_PAYLOAD,
      }).then(() => undefined);
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
      onHandlerError: (e) => this.options.debug?.(`event handler for ${target} failed: ${String(e)}`),
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

  // ---- flow control (a `block` subscription queue pauses reading) ------------------------

  pause(): void {
    if (this.pauses++ === 0) this.channel.pause();
  }

  resume(): void {
    if (this.pauses > 0 && --this.pauses === 0) {
      this.channel.resume();
      const held = this.held;
      this.held = [];
      this.process(held, 0);
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
    if (!this.congested) return this.send(frame);
    // The transport is full: events wait per subscription, bounded, and drops are counted.
    let backlog = this.server.eventBacklog.get(key);
    if (!backlog) this.server.eventBacklog.set(key, (backlog = []));
    if (backlog.length >= this.options.limits.maxEventQueue) {
      bump(this.services.counters, 'dropped_events');
      if (this.options.limits.eventQueuePolicy !== 'drop_oldest') return; // drop_newest; block cannot hold publish()
      backlog.shift();
    }
    backlog.push(frame);
  }

  private drainEventBacklog(): void {
    for (const [key, backlog] of this.server.eventBacklog) {
      this.server.eventBacklog.delete(key);
      for (const frame of backlog) this.send(frame);
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

  /** Ends the channel once a goodbye was exchanged and nothing is outstanding. */
  maybeFinishClose(): void {
    if (!(this.sentGoodbye || this.peerSaidGoodbye) || this.state === 'closed') return;
    if (this.pending.size > 0 || this.server.active.size > 0) return;
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
    this.server.removeSink?.();
    this.server.remoteSubs.clear();
    this.server.eventBacklog.clear();
    for (const subs of this.localSubs.values()) for (const q of subs.queues) q.close();
    this.localSubs.clear();
    this.outbox = [];
    this.handshakeFrames?.(new FrameError('truncated', ErrorCode.UNAVAILABLE, reason, { fatal: true }));
    for (const l of this.closeListeners.splice(0)) l(reason);
    this.resolveClosed();
  }

  get isClosed(): boolean {
    return this.state === 'closed';
  }
}

/** A FIFO queue with O(1) shift (Array#shift is linear on long arrays). */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
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
