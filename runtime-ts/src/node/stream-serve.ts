// The callee's side of a stream over a connection (docs/wire.md §1.5, §6). serve.ts accepts the
// REQUEST as for a call (target, in-flight limit, parameters) and hands a stream function here:
// the handler gets its parameters, then its input (an async iterator over the caller's items,
// whose credit this side grants as the handler reads), then the call context; its output (an
// async generator, or any iterable) is pumped under the caller's credit. The answer ends the
// exchange: an empty RESPONSE when the output ends, a client stream's result, or an ERROR.
//
// A CANCEL, the deadline or a lost connection cancel the handler (ctx.signal, and its input fails
// with the reason) and close its output; nothing more is sent for the id.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CodecName, FunctionDescriptor } from '../module.js';
import { EMPTY_PAYLOAD, type Frame, FrameKind, codecId } from '../wire/frame.js';
import { envelopeForHandlerError, invalidItem, invalidResult } from './call-errors.js';
import type { Connection } from './connection.js';
import { Deadline, deadlines } from './deadlines.js';
import type { Writer } from './outbound.js';
import { invoke, type ActiveCall } from './serve.js';
import { bump, type HostedModule } from './services.js';
import { decodeItem, readCredit, sendCredit, sendItem } from './stream-frames.js';
import { ItemInbox, ItemPump, MAX_CREDIT, type ItemSource } from './stream-items.js';

/** Runs a stream function's handler for an accepted REQUEST. */
export function serveStream(conn: Connection, frame: Frame, codec: CodecName, hosted: HostedModule, fn: FunctionDescriptor, method: (...args: unknown[]) => unknown, args: unknown[]): void {
  const served = new ServedStream(conn, frame, codec, hosted, fn);
  conn.server.active.set(frame.correlation, served);
  if (frame.timeoutMs > 0) deadlines.add(served, frame.timeoutMs);
  served.run(method, args);
}

/** Whether a handler's output is something a pump can take items from. */
function isItemSource(value: unknown): value is ItemSource<unknown> {
  return value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value);
}

class ServedStream extends Deadline implements ActiveCall, CallContext {
  readonly peer: string;
  private finished = false;
  private controller: AbortController | undefined;
  private abortReason: InteropError | undefined;
  private wallDeadline: number | undefined;
  private readonly id: number;
  /** The caller's items, for the handler (a client or bidirectional stream). */
  private readonly input: ItemInbox<unknown> | undefined;
  private inputEnded = false;
  /** Takes the handler's items (a server or bidirectional stream) once it returned them. */
  private pump: ItemPump<unknown> | undefined;
  /** Credit the caller granted before the handler's output existed. */
  private earlyCredit = 0;
  /** Waiting for the channel: the pump's next item, or the answer. */
  private writer: Writer | undefined;

  constructor(
    private readonly conn: Connection,
    private readonly frame: Frame,
    private readonly codec: CodecName,
    private readonly hosted: HostedModule,
    private readonly fn: FunctionDescriptor,
  ) {
    super();
    this.peer = conn.peer.node;
    this.id = frame.correlation;
    if (fn.input) this.input = new ItemInbox(conn.options.limits.streamWindow, (n) => sendCredit(conn, this.id, n, true));
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The caller's deadline on this side's clock (Date.now() scale), or undefined when it sent none. */
  get deadline(): number | undefined {
    if (this.frame.timeoutMs === 0) return undefined;
    this.wallDeadline ??= Math.round(Date.now() + (this.expiresAt - performance.now()));
    return this.wallDeadline;
  }

  run(method: (...args: unknown[]) => unknown, args: unknown[]): void {
    // Accepted: the caller may now send items (docs/wire.md §1.5).
    this.input?.open();
    let result: unknown;
    try {
      result = invoke(method, this.hosted.handlers, this.input ? [...args, this.input] : args, this);
    } catch (error) {
      return this.fail(error);
    }
    if (!this.fn.output) {
      Promise.resolve(result).then(
        (value) => this.answer(value),
        (error: unknown) => this.fail(error),
      );
      return;
    }
    if (isItemSource(result)) return this.startOutput(result);
    Promise.resolve(result).then(
      (source) => (isItemSource(source) ? this.startOutput(source) : this.fail(new Error('the handler of a server stream returned no iterable'))),
      (error: unknown) => this.fail(error),
    );
  }

  private startOutput(source: ItemSource<unknown>): void {
    if (this.finished) {
      // Cancelled before the handler's output existed: close it so its `finally` runs.
      const it = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
      void Promise.resolve(it.return?.()).catch(() => undefined);
      return;
    }
    const conn = this.conn;
    const itemCodec = this.fn.output!;
    this.pump = new ItemPump(source, {
      ready: () => conn.writableNow(),
      whenReady: (resume) => this.waitForChannel(resume),
      send: (item) => {
        let payload: Uint8Array;
        try {
          payload = itemCodec.encode(item, this.codec);
        } catch (error) {
          return this.failWith(invalidItem(this.fn, error)); // the handler's fault (docs/wire.md §3.4)
        }
        sendItem(conn, this.id, this.codec, payload, true);
      },
      end: () => this.answer(undefined),
      fail: (error) => this.fail(error),
    });
    if (this.earlyCredit > 0) this.pump.grant(this.earlyCredit);
  }

  /** A STREAM_ITEM, STREAM_END or STREAM_CREDIT from the caller (its CALLEE flag clear). */
  onStreamFrame(frame: Frame): void {
    if (this.finished) return;
    switch (frame.kind) {
      case FrameKind.STREAM_ITEM: {
        if (!this.input || this.inputEnded) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, this.input ? 'an item after STREAM_END' : 'an item for a stream without input');
        const item = decodeItem(frame, this.fn.input!, this.codec, this.conn.options.limits);
        if (item instanceof InteropError) return this.brokeRules(item.code, item.message);
        if (!this.input.push(item.value)) return this.brokeRules(ErrorCode.RESOURCE_EXHAUSTED, 'an item beyond the credit granted');
        return;
      }
      case FrameKind.STREAM_END:
        if (!this.input || this.inputEnded) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, this.input ? 'a second STREAM_END' : 'a STREAM_END for a stream without input');
        this.inputEnded = true;
        return this.input.end();
      default: {
        const n = readCredit(frame);
        if (!this.fn.output) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'credit for a stream without output');
        if (n === undefined) return this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'a malformed STREAM_CREDIT');
        if (this.pump !== undefined) {
          if (!this.pump.grant(n)) this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'credit above 2^32 - 1');
        } else if (this.earlyCredit + n > MAX_CREDIT) this.brokeRules(ErrorCode.PROTOCOL_ERROR, 'credit above 2^32 - 1');
        else this.earlyCredit += n;
      }
    }
  }

  /** A caller's stream frame broke the rules of docs/wire.md §1.5: the stream ends with ERROR `code`. */
  private brokeRules(code: number, message: string): void {
    bump(this.conn.services.counters, 'rejected_frames');
    this.breakOff(new InteropError(code, `${this.frame.target}: ${message}`));
  }

  breakOff(error: InteropError): void {
    if (this.finished) return;
    this.abort(error);
    this.conn.sendError(this.id, this.frame.target, this.codec, { code: error.code, message: error.message });
  }

  onDeadline(): void {
    this.abort(new InteropError(ErrorCode.DEADLINE_EXCEEDED, 'deadline passed'));
  }

  /** A CANCEL, the deadline or a lost connection: the handler is cancelled, nothing more is sent. */
  abort(reason: InteropError): void {
    if (this.finished) return;
    this.abortReason = reason;
    this.end(reason);
    this.controller?.abort(reason);
  }

  /** The answer: a client stream's result, or the end of the output (an empty RESPONSE). */
  private answer(value: unknown): void {
    if (this.finished) return;
    let payload = EMPTY_PAYLOAD;
    if (this.fn.result) {
      try {
        payload = this.fn.result.encode(value, this.codec);
      } catch (error) {
        return this.failWith(invalidResult(this.fn, error));
      }
    }
    this.whenWritable(() => {
      bump(this.conn.services.counters, 'requests_served');
      this.conn.send({ kind: FrameKind.RESPONSE, codec: codecId(this.codec), flags: 0, correlation: this.id, timeoutMs: 0, target: this.frame.target, payload });
    });
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    bump(this.conn.services.counters, 'handler_errors');
    const env = envelopeForHandlerError(this.hosted.descriptor, this.fn, error, this.codec);
    this.whenWritable(() => this.conn.sendError(this.id, this.frame.target, this.codec, env));
  }

  /** The handler gave a value its type cannot hold: `error` (INTERNAL) ends the stream. */
  private failWith(error: InteropError): void {
    if (this.finished) return;
    bump(this.conn.services.counters, 'handler_errors');
    this.whenWritable(() => this.conn.sendError(this.id, this.frame.target, this.codec, { code: error.code, message: error.message }));
  }

  /** Sends the answer now, or once the peer reads again (keeping the in-flight slot meanwhile). */
  private whenWritable(send: () => void): void {
    this.pump?.stop();
    if (this.conn.writableNow()) {
      send();
      return this.end(undefined);
    }
    this.waitForChannel(() => {
      if (this.finished) return;
      send();
      this.end(undefined);
    });
  }

  private waitForChannel(resume: () => void): void {
    if (this.writer !== undefined) this.conn.removeWriter(this.writer);
    this.writer = {
      write: () => {
        this.writer = undefined;
        resume();
      },
    };
    this.conn.addWriter(this.writer);
  }

  /**
   * The exchange is over here (answered, or `reason`): the input ends for a handler still reading
   * it, the output is closed, and the in-flight slot is freed.
   */
  private end(reason: InteropError | undefined): void {
    this.finished = true;
    deadlines.finish(this);
    if (this.writer !== undefined) {
      this.conn.removeWriter(this.writer);
      this.writer = undefined;
    }
    this.input?.fail(reason ?? new InteropError(ErrorCode.CANCELLED, `${this.frame.target}: the stream is over`), true);
    this.pump?.stop();
    const active = this.conn.server.active;
    if (active.get(this.id) === this) active.delete(this.id);
    this.conn.maybeFinishClose();
  }
}
