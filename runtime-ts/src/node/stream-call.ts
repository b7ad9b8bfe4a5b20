// The StreamCall (module.ts) a generated client's stream method returns (docs/ts.md "Streams"):
// the caller's end of one stream, the same object whether it runs over a connection or in
// process. It is an async iterator over the callee's items (a server or bidirectional stream) and
// gives the callee's answer (a client stream's result) with result(). Nothing is sent before the
// first next() or result(): a stream starts when it is read.
//
// An engine (stream-calls.ts over a connection, transport/direct-streams.ts in process) runs the
// exchange: attach() gives it the output inbox, finish() ends it.

import { ErrorCode, InteropError } from '../errors.js';
import type { StreamCall } from '../module.js';
import { ItemInbox } from './stream-items.js';

/** What a CallerStream needs from the engine running its exchange. */
export interface StreamEngine {
  /** Ends the exchange from the caller's side (a CANCEL): `error` for its consumers, or none when the consumer just stopped reading. */
  cancel(error: InteropError | undefined): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class CallerStream<T = unknown, R = unknown> implements StreamCall<T, R> {
  private engine: StreamEngine | undefined;
  private inbox: ItemInbox<T> | undefined;
  private started = false;
  private outcome: { error?: InteropError; value?: unknown } | undefined;
  private resultPromise: Promise<R> | undefined;
  private settleResult: ((outcome: { error?: InteropError; value?: unknown }) => void) | undefined;
  /** Readers of next() before the engine attached. */
  private attached: Promise<void> | undefined;
  private markAttached: (() => void) | undefined;

  /**
   * `label` names the stream in errors; `hasOutput` whether the callee sends items; `begin` starts
   * the exchange (once, on the first next() or result()).
   */
  constructor(
    readonly label: string,
    private readonly hasOutput: boolean,
    private readonly begin: (call: CallerStream<T, R>) => void,
  ) {}

  // ---- the engine's side ---------------------------------------------------------------------

  /**
   * The exchange runs: `engine` can cancel it. With an output, the inbox grants `window` through
   * `onGrant` once the engine opens it (`output.open()`).
   */
  attach(engine: StreamEngine, window: number, onGrant: (n: number) => void): void {
    this.engine = engine;
    if (this.hasOutput && this.outcome === undefined) {
      this.inbox = new ItemInbox<T>(window, onGrant, () => this.engine?.cancel(undefined));
    }
    this.markAttached?.();
  }

  /** The inbox of the callee's items, once attached (undefined for a client stream). */
  get output(): ItemInbox<T> | undefined {
    return this.inbox;
  }

  /**
   * The exchange is over: with `error`, or with the callee's answer `value`. `local` errors (a
   * cancel, the deadline, a lost connection) discard the items not read yet; the callee's own
   * error comes after them.
   */
  finish(error?: InteropError, value?: unknown, local = false): void {
    if (this.outcome !== undefined) return;
    this.outcome = error !== undefined ? { error } : { value };
    this.engine = undefined;
    if (this.inbox !== undefined) {
      if (error !== undefined) this.inbox.fail(error, local);
      else this.inbox.end();
    }
    this.settleResult?.(this.outcome);
    this.markAttached?.();
  }

  // ---- the caller's side ---------------------------------------------------------------------

  next(): Promise<IteratorResult<T>> {
    this.start();
    const inbox = this.inbox;
    if (inbox !== undefined) return inbox.next();
    if (this.outcome !== undefined) {
      // Ended before any item could be read (refused, cancelled), or a client stream.
      const { error } = this.outcome;
      if (error === undefined || !this.hasOutput) return Promise.resolve(DONE);
      this.outcome = { value: undefined }; // the error is delivered once, then the stream is done
      return Promise.reject(error);
    }
    this.attached ??= new Promise((resolve) => (this.markAttached = resolve));
    return this.attached.then(() => this.next());
  }

  /** Stops reading: a stream not over yet is cancelled (the callee learns it at once). */
  return(): Promise<IteratorResult<T>> {
    if (this.inbox !== undefined) return this.inbox.return();
    if (this.outcome === undefined) {
      if (this.started) this.engine?.cancel(undefined);
      this.finish(new InteropError(ErrorCode.CANCELLED, `${this.label}: the caller stopped reading`), undefined, true);
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  /** The callee's answer: a client stream's result (undefined for a server stream, at its end). */
  result(): Promise<R> {
    this.start();
    if (this.resultPromise === undefined) {
      this.resultPromise = new Promise<R>((resolve, reject) => {
        this.settleResult = (o) => (o.error !== undefined ? reject(o.error) : resolve(o.value as R));
      });
      if (this.outcome !== undefined) this.settleResult!(this.outcome);
    }
    return this.resultPromise;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    if (this.outcome === undefined) this.begin(this);
  }
}
