// The caller's side of a stream over a connection (docs/wire.md §1.5, §6): the REQUEST with the
// function's STREAM_IN / STREAM_OUT flags, the credit for the callee's items (granted in the same
// turn as the REQUEST), the caller's items pumped under the callee's credit and ended with
// STREAM_END, the callee's answer that ends it, and a CANCEL when the caller gives up (its
// signal, its deadline, a consumer that stops reading, an input that fails).
//
// An OutgoingStream takes an in-flight slot and a correlation id from the connection's Calls like
// any exchange, so ids, max_in_flight, GOODBYE and a lost connection treat it as one.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallOptions, CodecName, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import { decodeEnvelope } from '../wire/envelope.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameKind, codecId, codecNameOf, frameParts, targetBytes } from '../wire/frame.js';
import { codecFor } from './handshake-flow.js';
import { asInterop, errorFromEnvelope } from './call-errors.js';
import type { StreamExchange } from './calls.js';
import type { Connection } from './connection.js';
import { Deadline, deadlines } from './deadlines.js';
import { OTHER, type Writer } from './outbound.js';
import { bump } from './services.js';
import type { CallerStream, StreamEngine } from './stream-call.js';
import { decodeItem, readCredit, sendCredit, sendEnd, sendItem, streamFlags } from './stream-frames.js';
import { ItemPump, type ItemSource } from './stream-items.js';

const WAITING_SLOT = 0;
const HOLDS_SLOT = 1;
const SENT = 2;
const DONE = 3;
type Stage = typeof WAITING_SLOT | typeof HOLDS_SLOT | typeof SENT | typeof DONE;

const ONCE = { once: true };

/** Starts `call` over `conn`: the caller's side of one stream. */
export function startStream(
  conn: Connection,
  call: CallerStream,
  module: ModuleDescriptor,
  fn: FunctionDescriptor,
  args: unknown[],
  input: ItemSource<unknown> | undefined,
  options: CallOptions | undefined,
): void {
  new OutgoingStream(conn, call, module, fn, args, input, options).start();
}

class OutgoingStream extends Deadline implements StreamExchange, StreamEngine, Writer {
  readonly kind = 'stream';
  id = 0;
  private stage: Stage = WAITING_SLOT;
  private readonly codec: CodecName;
  private readonly target: string;
  private readonly timeoutMs: number;
  private readonly signal: AbortSignal | undefined;
  private payload: Uint8Array = EMPTY_PAYLOAD;
  private pump: ItemPump<unknown> | undefined;
  /** Set while the pump waits for the channel to take its next item. */
  private pumpWriter: Writer | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly call: CallerStream,
    private readonly module: ModuleDescriptor,
    private readonly fn: FunctionDescriptor,
    private args: unknown[] | undefined,
    private readonly input: ItemSource<unknown> | undefined,
    options: CallOptions | undefined,
  ) {
    super();
    this.target = `${module.name}.${fn.name}`;
    this.codec = codecFor(conn.peer, this.target);
    this.timeoutMs = options?.timeoutMs ?? conn.options.limits.defaultDeadlineMs;
    this.signal = options?.signal;
  }

  start(): void {
    const { conn, call } = this;
    if (this.signal?.aborted) return call.finish(new InteropError(ErrorCode.CANCELLED, `${this.target}: cancelled before it was sent`), undefined, true);
    try {
      conn.ensureCanStart();
      conn.checkFunction(this.module, this.fn);
    } catch (error) {
      return call.finish(asInterop(error, ErrorCode.UNAVAILABLE), undefined, true);
    }
    call.attach(this, conn.options.limits.streamWindow, (n) => sendCredit(conn, this.id, n, false));
    deadlines.add(this, this.timeoutMs);
    this.signal?.addEventListener('abort', this, ONCE);
    conn.calls.takeSlot(this);
  }

  /** Holds an in-flight slot: encodes the parameters, then writes the REQUEST or waits for the channel. */
  slotTaken(): void {
    this.stage = HOLDS_SLOT;
    try {
      this.payload = this.fn.params.encode(this.args!, this.codec);
    } catch (error) {
      return this.end(asInterop(error, ErrorCode.INVALID_ARGUMENT));
    } finally {
      this.args = undefined;
    }
    if (this.conn.writableNow()) this.write();
    else this.conn.addWriter(this);
  }

  /** Writer: the REQUEST goes out, and right after it the credit for the callee's items. */
  write(): void {
    const conn = this.conn;
    this.stage = SENT;
    this.id = conn.calls.register(this);
    const timeoutMs = Math.max(1, Math.ceil(this.expiresAt - performance.now()));
    const frame: Frame = { kind: FrameKind.REQUEST, codec: codecId(this.codec), flags: streamFlags(this.fn), correlation: this.id, timeoutMs, target: this.target, payload: this.payload };
    conn.out.sendParts(frameParts(frame, targetBytes(this.target)), OTHER, this.id);
    this.payload = EMPTY_PAYLOAD;
    this.call.output?.open();
    // The callee grants credit for our items once it has accepted the REQUEST.
    if (this.fn.input) this.pump = new ItemPump(this.input ?? [], this.inputSink());
  }

  /** Writer: the connection said or got GOODBYE, or closed, before the REQUEST went out. */
  fail(error: InteropError): void {
    this.end(error);
  }

  private inputSink() {
    const conn = this.conn;
    const itemCodec = this.fn.input!;
    return {
      ready: () => conn.writableNow(),
      whenReady: (resume: () => void) => {
        this.pumpWriter = { write: () => ((this.pumpWriter = undefined), resume()) };
        conn.addWriter(this.pumpWriter);
      },
      // A value its type cannot hold is refused as an argument is (docs/wire.md §3.4): the
      // encoder's INVALID_ARGUMENT ends the stream (the pump passes it to fail()).
      send: (item: unknown) => sendItem(conn, this.id, this.codec, itemCodec.encode(item, this.codec), false),
      end: () => sendEnd(conn, this.id),
      fail: (error: unknown) => {
        const failed = error instanceof InteropError ? error : new InteropError(ErrorCode.CANCELLED, `${this.target}: the input failed: ${asInterop(error, ErrorCode.CANCELLED).message}`, { cause: error });
        this.stop(failed);
      },
    };
  }

  /** A STREAM_ITEM, STREAM_END or STREAM_CREDIT from the callee (its CALLEE flag set). */
  onStreamFrame(frame: Frame): void {
    if (this.stage !== SENT) return;
    if (frame.kind === FrameKind.STREAM_ITEM) {
      const output = this.call.output;
      if (this.fn.output === undefined || output === undefined) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'an item from the callee of a stream without output');
      const item = decodeItem(frame, this.fn.output, this.codec, this.conn.options.limits);
      if (item instanceof InteropError) return this.brokeRules(item.code, item.message);
      if (!output.push(item.value)) return this.brokeRules(ErrorCode.RESOURCE_EXHAUSTED, 'an item beyond the credit granted');
    } else if (frame.kind === FrameKind.STREAM_CREDIT) {
      const n = readCredit(frame);
      if (this.pump === undefined) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'credit for a stream without input');
      if (n === undefined || !this.pump.grant(n)) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'a malformed STREAM_CREDIT');
    } else {
      this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'a STREAM_END from the callee');
    }
  }

  /** A stream frame broke the rules of docs/wire.md §1.5: the stream ends here with `code`, and the callee gets a CANCEL. */
  private brokeRules(code: number, message: string): void {
    bump(this.conn.services.counters, 'rejected_frames');
    this.breakOff(new InteropError(code, `${this.target}: ${message}`));
  }

  breakOff(error: InteropError): void {
    this.stop(error);
  }

  /** The callee's RESPONSE or ERROR (Calls already removed it from `pending`). */
  onAnswer(frame: Frame): void {
    const codec = codecNameOf(frame.codec) ?? this.codec;
    const limits = this.conn.options.limits;
    if (frame.kind === FrameKind.ERROR) {
      let error: InteropError;
      try {
        error = errorFromEnvelope(this.module, decodeEnvelope(frame.payload, codec, limits.maxDepth), codec, limits);
      } catch {
        error = new InteropError(ErrorCode.UNKNOWN, 'peer sent an error envelope that does not decode');
      }
      return this.end(error, undefined, false);
    }
    if (this.fn.result === undefined) return this.end(undefined);
    try {
      this.end(undefined, this.fn.result.decode(frame.payload, codec, limits));
    } catch (error) {
      this.end(asInterop(error, ErrorCode.INVALID_ARGUMENT));
    }
  }

  /** StreamEngine: the consumer stopped reading (no error), or the caller gave up. */
  cancel(error: InteropError | undefined): void {
    this.stop(error ?? new InteropError(ErrorCode.CANCELLED, `${this.target}: the caller stopped reading`));
  }

  /** The abort signal fired. */
  handleEvent(): void {
    this.stop(new InteropError(ErrorCode.CANCELLED, `${this.target}: cancelled by the caller`));
  }

  onDeadline(): void {
    this.stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${this.target}: deadline of ${this.timeoutMs} ms exceeded`));
  }

  /** Gives up before the answer: a written stream's callee gets a CANCEL (docs/wire.md §6). */
  private stop(error: InteropError): void {
    switch (this.stage) {
      case WAITING_SLOT:
        this.conn.calls.leaveSlotQueue(this);
        break;
      case HOLDS_SLOT:
        this.conn.removeWriter(this);
        break;
      case SENT:
        if (!this.conn.calls.unregister(this)) return;
        this.conn.send({ kind: FrameKind.CANCEL, codec: CodecId.none, flags: 0, correlation: this.id, timeoutMs: 0, target: '', payload: EMPTY_PAYLOAD });
        break;
      case DONE:
        return;
    }
    this.end(error);
  }

  /**
   * Ends the stream: the deadline, the signal's listener and the input stop, the slot goes back,
   * and the caller's CallerStream learns the outcome. `local` errors discard the items not read yet.
   */
  end(error: InteropError | undefined, value?: unknown, local = true): void {
    const stage = this.stage;
    if (stage === DONE) return;
    this.stage = DONE;
    deadlines.finish(this);
    this.signal?.removeEventListener('abort', this);
    this.pump?.stop();
    if (this.pumpWriter !== undefined) this.conn.removeWriter(this.pumpWriter);
    if (stage !== WAITING_SLOT) this.conn.calls.releaseSlot();
    this.call.finish(error, value, local);
  }
}
