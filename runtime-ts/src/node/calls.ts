// The caller side of a connection: exchanges this side starts (REQUEST, SUBSCRIBE, PING) with
// their correlation ids, deadlines and cancellation (docs/wire.md §1.1, §6), the in-flight limit
// (§5), and one-way calls.
//
// Every exchange holds an in-flight slot from before it is sent until it is answered, times out or
// is cancelled; past max_in_flight a caller waits for a slot rather than sending the excess (the
// peer would refuse it). While the channel is congested a request waits to be written, within its
// deadline, instead of adding to what the peer does not read.
//
// This is the client's hot path, so an exchange is one object (class Exchange) that is at once its
// pending entry, its deadline on the shared deadline queue (no setTimeout per call), its abort
// listener, its place in the slot queue and its writer while the channel is congested; no closure
// is made per call. With a slot free and the channel taking data, call() runs synchronously to
// the frame being queued.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallOptions, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import { decodeEnvelope, type ErrorEnvelope } from '../wire/envelope.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameKind, codecId, codecNameOf, frameParts, targetBytes } from '../wire/frame.js';
import { codecFor } from './handshake-flow.js';
import { asInterop, errorFromEnvelope } from './call-errors.js';
import type { Connection } from './connection.js';
import { Deadline, deadlines } from './deadlines.js';
import { Fifo } from './fifo.js';
import { ONEWAY, OTHER, type Writer } from './outbound.js';
import { bump } from './services.js';

type ExchangeKind = 'call' | 'subscribe' | 'ping';

/** Exchange.stage: where an exchange is in its life. */
const WAITING_SLOT = 0; // in slotWaiters: max_in_flight exchanges are outstanding
const HOLDS_SLOT = 1; // not written yet: among the channel's writers while it is congested
const SENT = 2; // written; in `pending` under its correlation id
const DONE = 3;
type Stage = typeof WAITING_SLOT | typeof HOLDS_SLOT | typeof SENT | typeof DONE;

/** A function's target as sent: its string and UTF-8 bytes, per descriptor. */
interface CallTarget {
  module: ModuleDescriptor;
  name: string;
  bytes: Uint8Array;
}

/** Targets of the functions called so far (weak: descriptors made at run time can go). */
const callTargets = new WeakMap<FunctionDescriptor, CallTarget>();

function callTarget(module: ModuleDescriptor, fn: FunctionDescriptor): CallTarget {
  let t = callTargets.get(fn);
  if (t === undefined || t.module !== module) {
    const name = `${module.name}.${fn.name}`;
    t = { module, name, bytes: targetBytes(name) };
    callTargets.set(fn, t);
  }
  return t;
}

/** Shared options object: addEventListener reads it, so one serves every call. */
const ONCE = { once: true };

/** An exchange holding (or waiting for) an in-flight slot: a call, ping or subscribe, or a stream. */
interface SlotHolder {
  id: number;
  /** The slot it waited for is its now. */
  slotTaken(now?: number): void;
  /** Ends it here, without its answer: `error` (the connection closed, a malformed answer), or a value. */
  end(error: InteropError | undefined, value?: unknown): void;
}

/** A stream this side started (stream-calls.ts): its answer and its stream frames come here. */
export interface StreamExchange extends SlotHolder {
  readonly kind: 'stream';
  onAnswer(frame: Frame): void;
  onStreamFrame(frame: Frame): void;
  /** The callee broke the rules of docs/wire.md §1.5: the stream ends with `error` (and a CANCEL). */
  breakOff(error: InteropError): void;
}

export class Calls {
  private nextId = 1;
  /** Exchanges written and not answered yet, by correlation id. */
  private readonly pending = new Map<number, Exchange | StreamExchange>();
  /** Exchanges holding an in-flight slot (written or waiting to be). */
  private outstanding = 0;
  private readonly slotWaiters = new Fifo<SlotHolder>();
  /** The last module the peer offers with the same fingerprint: its offers do not change after the handshake. */
  private accepted: ModuleDescriptor | undefined;

  constructor(readonly conn: Connection) {}

  /** Exchanges waiting for their answer. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Throws what calling `fn` of `module` fails with before anything is sent: NOT_FOUND when the
   * peer does not offer the module; for a module of another version, what the compatibility
   * tables decide (docs/wire.md §2.2: UNIMPLEMENTED, SCHEMA_MISMATCH).
   */
  checkFunction(module: ModuleDescriptor, fn: FunctionDescriptor): void {
    if (module === this.accepted) return;
    const versions = this.conn.versions;
    if (versions.same(module)) this.accepted = module;
    else versions.check(module, 'function', fn.name);
  }

  /** A REQUEST; settles with the decoded result. Not async: nothing waits when a slot is free. */
  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    const conn = this.conn;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(new InteropError(ErrorCode.CANCELLED, `${fn.name}: cancelled before it was sent`));
    try {
      conn.ensureCanStart();
      this.checkFunction(module, fn);
    } catch (error) {
      return Promise.reject(error);
    }
    const target = callTarget(module, fn);
    const codec = codecId(codecFor(conn.peer, target.name));
    const timeoutMs = options?.timeoutMs ?? conn.options.limits.defaultDeadlineMs;
    const exchange = new Exchange(this, 'call', FrameKind.REQUEST, codec, target.name, target.bytes, module, fn, args, timeoutMs, signal);
    return this.begin(exchange);
  }

  /** A SUBSCRIBE for `target`, in the codec the EVENTs are wanted in; settles when answered. */
  subscribe(target: string, codec: CodecId): Promise<unknown> {
    const timeoutMs = this.conn.options.limits.defaultDeadlineMs;
    return this.begin(new Exchange(this, 'subscribe', FrameKind.SUBSCRIBE, codec, target, targetBytes(target), undefined, undefined, undefined, timeoutMs, undefined));
  }

  /** Round-trip time in ms, from before waiting for a slot. */
  async ping(timeoutMs: number): Promise<number> {
    this.conn.ensureCanStart();
    const start = performance.now();
    await this.begin(new Exchange(this, 'ping', FrameKind.PING, CodecId.none, '', EMPTY_PAYLOAD, undefined, undefined, undefined, timeoutMs, undefined));
    return performance.now() - start;
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    const conn = this.conn;
    conn.ensureCanStart();
    this.checkFunction(module, fn);
    const target = callTarget(module, fn);
    // One-way calls cannot wait (no promise): past max_in_flight held ones, refuse at once.
    const held = conn.out.onewaysWaiting;
    if (held >= conn.options.limits.maxInFlight && !conn.out.writableNow()) {
      throw new InteropError(ErrorCode.RESOURCE_EXHAUSTED, `${target.name}: ${held} one-way calls already wait for ${conn.peer.node || 'the peer'} to read`);
    }
    const codec = codecFor(conn.peer, target.name);
    const payload = fn.params.encode(args, codec);
    const frame: Frame = { kind: FrameKind.ONEWAY, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target: target.name, payload };
    conn.out.sendParts(frameParts(frame, target.bytes), ONEWAY, 0);
  }

  /** Starts the deadline and the abort listener, then takes a free slot or queues for one. */
  private begin(exchange: Exchange): Promise<unknown> {
    const promise = exchange.promise();
    const now = performance.now();
    deadlines.add(exchange, exchange.timeoutMs, now);
    exchange.signal?.addEventListener('abort', exchange, ONCE);
    this.takeSlot(exchange, now);
    return promise;
  }

  /** A free in-flight slot for `holder` now, or a place in the queue for the next one. */
  takeSlot(holder: SlotHolder, now?: number): void {
    if (this.outstanding < this.conn.options.limits.maxInFlight) {
      this.outstanding++;
      holder.slotTaken(now);
    } else {
      this.slotWaiters.push(holder);
    }
  }

  /** @internal An exchange gave its slot back: the next waiting one takes it at once. */
  releaseSlot(): void {
    this.outstanding--;
    const next = this.slotWaiters.shift();
    if (next !== undefined) {
      const refused = this.conn.startRefusal();
      if (refused !== undefined) next.end(refused);
      else {
        this.outstanding++;
        next.slotTaken();
      }
    }
    this.conn.maybeFinishClose();
  }

  /** @internal An exchange waiting for a slot gave up (deadline, abort). Linear, and rare. */
  leaveSlotQueue(exchange: SlotHolder): void {
    this.slotWaiters.remove(exchange);
  }

  /** After GOODBYE or close: calls waiting for a slot fail with `error`. */
  failSlotWaiters(error: InteropError): void {
    for (let w = this.slotWaiters.shift(); w; w = this.slotWaiters.shift()) w.end(error);
  }

  /** @internal Registers a written exchange; returns its correlation id. */
  register(exchange: Exchange | StreamExchange): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
      if (!this.pending.has(id)) {
        this.pending.set(id, exchange);
        return id;
      }
    }
  }

  /** @internal Removes a written exchange that ends without its answer; false if it was not there. */
  unregister(exchange: Exchange | StreamExchange): boolean {
    if (this.pending.get(exchange.id) !== exchange) return false;
    this.pending.delete(exchange.id);
    return true;
  }

  /** A RESPONSE, ERROR or PONG from the peer. */
  onAnswer(frame: Frame): void {
    const conn = this.conn;
    const p = this.pending.get(frame.correlation);
    if (!p || frame.correlation === 0) {
      if (frame.kind === FrameKind.ERROR && frame.correlation === 0) {
        const env = this.tryEnvelope(frame);
        conn.setCloseReason(`peer reported: ${env ? env.message : 'an error'}`);
      }
      bump(conn.services.counters, 'late_responses');
      conn.options.debug?.(`dropped answer for unknown correlation ${frame.correlation}`);
      return;
    }
    this.pending.delete(frame.correlation);
    if (p.kind === 'stream') return p.onAnswer(frame);
    const codec = codecNameOf(frame.codec);
    const limits = conn.options.limits;
    if (frame.kind === FrameKind.ERROR) {
      const env = this.tryEnvelope(frame);
      const error = env
        ? errorFromEnvelope(p.module, env, codec ?? 'json', limits)
        : new InteropError(ErrorCode.UNKNOWN, 'peer sent an error envelope that does not decode');
      return p.end(error);
    }
    if (p.kind === 'ping') return p.end(undefined, frame.payload);
    const result = p.fn?.result;
    if (p.kind === 'subscribe' || !result) return p.end(undefined, undefined);
    if (!codec) return p.end(new InteropError(ErrorCode.PROTOCOL_ERROR, 'RESPONSE without a payload codec'));
    let value: unknown;
    try {
      value = result.decode(frame.payload, codec, limits);
    } catch (error) {
      return p.end(asInterop(error, ErrorCode.INVALID_ARGUMENT));
    }
    p.end(undefined, value);
  }

  private tryEnvelope(frame: Frame): ErrorEnvelope | undefined {
    try {
      return decodeEnvelope(frame.payload, codecNameOf(frame.codec) ?? 'json', this.conn.options.limits.maxDepth);
    } catch {
      return undefined;
    }
  }

  /**
   * A stream frame with the CALLEE flag: for a stream this side started. One for a plain call
   * breaks the rules (PROTOCOL_ERROR, and a CANCEL); one naming nothing is late (docs/wire.md §1.5).
   */
  onStreamFrame(frame: Frame): void {
    const p = this.pending.get(frame.correlation);
    if (p === undefined) {
      bump(this.conn.services.counters, 'late_stream_frames');
      return;
    }
    if (p.kind === 'stream') return p.onStreamFrame(frame);
    bump(this.conn.services.counters, 'rejected_frames');
    p.breakOff(new InteropError(ErrorCode.PROTOCOL_ERROR, `${p.fn?.name ?? p.kind}: a stream frame for a call`));
  }

  /** A malformed stream frame (counted already) ends the exchange it names here, with a CANCEL. */
  breakOff(correlation: number, error: InteropError): void {
    this.pending.get(correlation)?.breakOff(error);
  }

  /** Fails the exchange `correlation` with `error`; false when no exchange waits under that id. */
  fail(correlation: number, error: InteropError): boolean {
    const p = this.pending.get(correlation);
    if (p === undefined) return false;
    this.pending.delete(correlation);
    p.end(error);
    return true;
  }

  /** The connection closed: every exchange waiting for its answer fails with `error`. */
  failAll(error: InteropError): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.end(error);
  }
}

/** The exchange whose promise is being made: one executor function serves every exchange. */
let making: Exchange | undefined;
function captureSettlers(resolve: (value: unknown) => void, reject: (error: InteropError) => void): void {
  making!.resolve = resolve;
  making!.reject = reject;
}

/**
 * One exchange this side started (docs/wire.md §6): the caller's deadline (the shared deadline
 * queue calls onDeadline), its abort signal (handleEvent), waiting for a slot, waiting for the
 * channel (write / fail), waiting for the answer (Calls.pending), in one object.
 */
class Exchange extends Deadline implements Writer {
  stage: Stage = WAITING_SLOT;
  /** Correlation id once written. */
  id = 0;
  resolve!: (value: unknown) => void;
  reject!: (error: InteropError) => void;
  private payload: Uint8Array = EMPTY_PAYLOAD;

  constructor(
    private readonly calls: Calls,
    readonly kind: ExchangeKind,
    private readonly frameKind: FrameKind,
    private readonly codec: CodecId,
    private readonly target: string,
    private readonly targetBytes: Uint8Array,
    readonly module: ModuleDescriptor | undefined,
    readonly fn: FunctionDescriptor | undefined,
    /** A call's arguments, until encoded once it has a slot. */
    private args: unknown[] | undefined,
    readonly timeoutMs: number,
    readonly signal: AbortSignal | undefined,
  ) {
    super();
  }

  promise(): Promise<unknown> {
    making = this;
    const p = new Promise<unknown>(captureSettlers);
    making = undefined;
    return p;
  }

  /**
   * Holds an in-flight slot now: encodes a call's arguments, then writes or waits for the channel.
   * `now` is performance.now() when the caller has it at hand.
   */
  slotTaken(now?: number): void {
    this.stage = HOLDS_SLOT;
    const args = this.args;
    if (args !== undefined) {
      this.args = undefined;
      try {
        this.payload = this.fn!.params.encode(args, codecNameOf(this.codec)!);
      } catch (error) {
        return this.end(asInterop(error, ErrorCode.INVALID_ARGUMENT));
      }
    }
    const out = this.calls.conn.out;
    if (out.writableNow()) return this.write(now);
    // The peer is not reading what we sent: wait (within the deadline) rather than buffer.
    out.addWriter(this);
  }

  /** Writer: the channel takes data; the frame goes out now. */
  write(now?: number): void {
    this.stage = SENT;
    this.id = this.calls.register(this);
    // The deadline travels as the time left (docs/wire.md §1), in whole ms, at least 1.
    const timeoutMs = this.frameKind === FrameKind.REQUEST ? Math.max(1, Math.ceil(this.expiresAt - (now ?? performance.now()))) : 0;
    const frame: Frame = { kind: this.frameKind, codec: this.codec, flags: 0, correlation: this.id, timeoutMs, target: this.target, payload: this.payload };
    this.calls.conn.out.sendParts(frameParts(frame, this.targetBytes), OTHER, this.id);
  }

  /** Writer: the connection said or got GOODBYE, or closed, before the frame could go out. */
  fail(error: InteropError): void {
    this.end(error);
  }

  /** The abort signal fired. */
  handleEvent(): void {
    const message = this.stage === WAITING_SLOT ? 'call cancelled while waiting for an in-flight slot' : `${this.label}: cancelled by the caller`;
    this.stop(new InteropError(ErrorCode.CANCELLED, message));
  }

  /** The peer broke the rules (a stream frame for a call): ends here with `error`, and a CANCEL. */
  breakOff(error: InteropError): void {
    this.stop(error);
  }

  onDeadline(): void {
    const message =
      this.stage === WAITING_SLOT
        ? 'deadline passed while waiting for an in-flight slot'
        : `${this.label}: ${this.stage === HOLDS_SLOT ? `the peer read nothing more before the deadline of ${this.timeoutMs} ms` : `deadline of ${this.timeoutMs} ms exceeded`}`;
    this.stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, message));
  }

  private get label(): string {
    return this.target || this.kind;
  }

  /** Gives up before the answer (deadline, abort); a written exchange's peer gets a CANCEL (§6). */
  private stop(error: InteropError): void {
    switch (this.stage) {
      case WAITING_SLOT:
        this.calls.leaveSlotQueue(this);
        return this.end(error);
      case HOLDS_SLOT:
        this.calls.conn.out.removeWriter(this);
        return this.end(error);
      case SENT: {
        if (!this.calls.unregister(this)) return;
        const id = this.id;
        this.end(error);
        this.calls.conn.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation: id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
      }
    }
  }

  /**
   * Settles with `error`, or else with `value`: the deadline and the abort listener end, and the
   * in-flight slot, if held, goes to the next waiting exchange. The caller has already taken it
   * out of the slot queue, the writers or `pending`.
   */
  end(error: InteropError | undefined, value?: unknown): void {
    const stage = this.stage;
    if (stage === DONE) return;
    this.stage = DONE;
    deadlines.finish(this);
    this.signal?.removeEventListener('abort', this);
    this.args = undefined;
    if (stage !== WAITING_SLOT) this.calls.releaseSlot();
    if (error !== undefined) this.reject(error);
    else this.resolve(value);
  }
}
