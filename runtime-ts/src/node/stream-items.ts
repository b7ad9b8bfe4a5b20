// The two ends of one direction of a stream's items (docs/wire.md §1.5), shared by streams over a
// connection and by direct (in-process) streams, so that both grant the same credit, end the same
// way and fail the same way.
//
// ItemInbox, the receiving end: it accepts items within the credit it granted, hands them to its
// consumer (it is an async iterator), and grants credit as the consumer takes them: the window
// when it opens, then ceil(window / 2) each time that many were taken. So items granted and not
// yet taken never exceed the window, whatever the sender does.
//
// ItemPump, the sending end: it asks its source (the caller's input, a handler's output) for the
// next item only while it holds credit and its sink can take it, so a producer whose consumer does
// not read is suspended where it yields, not buffered.

import { ErrorCode, InteropError } from '../errors.js';
import { Fifo } from './fifo.js';

/** What a stream's items come from: an async iterable (an async generator) or a plain iterable. */
export type ItemSource<T> = AsyncIterable<T> | Iterable<T>;

/** The largest credit a sender may hold: credit travels as a u32 (docs/wire.md §1.5). */
export const MAX_CREDIT = 0xffff_ffff;

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class ItemInbox<T> implements AsyncIterableIterator<T> {
  private readonly items = new Fifo<T>();
  private granted = 0;
  private received = 0;
  private takenSinceGrant = 0;
  /** The sender's end arrived: the consumer gets the waiting items, then the end. */
  private ended = false;
  /** Delivered to the consumer after the waiting items (then the inbox is done). */
  private failure: InteropError | undefined;
  /** Nothing more for the consumer: it stopped, or the end or the failure was delivered. */
  private done = false;
  private waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: InteropError) => void } | undefined;
  private readonly refill: number;

  /**
   * `onGrant(n)` tells the sender it may send n more items (a STREAM_CREDIT, or the other side's
   * pump in process). `onStop` runs when the consumer stops reading before the end.
   */
  constructor(
    private readonly window: number,
    private readonly onGrant: (n: number) => void,
    private readonly onStop: () => void = () => undefined,
  ) {
    this.refill = Math.ceil(window / 2);
  }

  /** The direction opens: grants the window. */
  open(): void {
    this.grant(this.window);
  }

  /** Whether the consumer has stopped or been told the end. */
  get finished(): boolean {
    return this.done || this.ended || this.failure !== undefined;
  }

  /**
   * An item from the sender. False when it goes past the credit granted (the sender broke the
   * rules: RESOURCE_EXHAUSTED). Once the consumer has stopped, items within credit are dropped.
   */
  push(item: T): boolean {
    if (this.received >= this.granted) return false;
    this.received++;
    if (this.finished) return true;
    const waiter = this.waiter;
    if (waiter !== undefined) {
      this.waiter = undefined;
      this.taken();
      waiter.resolve({ done: false, value: item });
    } else {
      this.items.push(item);
    }
    return true;
  }

  /** The sender's end: the consumer gets the items that wait, then the end. */
  end(): void {
    if (this.finished) return;
    this.ended = true;
    if (this.waiter !== undefined && this.items.length === 0) this.settleWaiter();
  }

  /**
   * Ends with `error`: after the items that wait when the peer sent it (an error mid-stream), or at
   * once, discarding them, for a local reason (a cancel, a deadline, a lost connection).
   */
  fail(error: InteropError, discard: boolean): void {
    if (this.done) return;
    if (discard) this.items.clear();
    else if (this.ended || this.failure !== undefined) return;
    this.failure = error;
    this.ended = false;
    if (this.waiter !== undefined && this.items.length === 0) this.settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) {
      const value = this.items.shift() as T;
      this.taken();
      return Promise.resolve({ done: false, value });
    }
    if (this.done || (!this.ended && this.failure === undefined)) {
      if (this.done) return Promise.resolve(DONE);
      if (this.waiter !== undefined) return Promise.reject(new InteropError(ErrorCode.INTERNAL, 'a stream is read by one consumer at a time'));
      return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
    }
    return this.deliverEnd();
  }

  /** The consumer stops (a `break` out of `for await`): nothing more is delivered. */
  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      const early = !this.ended && this.failure === undefined;
      this.done = true;
      this.items.clear();
      this.failure = undefined;
      if (this.waiter !== undefined) {
        this.waiter.resolve(DONE);
        this.waiter = undefined;
      }
      if (early) this.onStop();
    }
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private deliverEnd(): Promise<IteratorResult<T>> {
    this.done = true;
    const failure = this.failure;
    this.failure = undefined;
    return failure !== undefined ? Promise.reject(failure) : Promise.resolve(DONE);
  }

  private settleWaiter(): void {
    const waiter = this.waiter!;
    this.waiter = undefined;
    this.deliverEnd().then(waiter.resolve, waiter.reject);
  }

  private taken(): void {
    if (this.finished) return;
    if (++this.takenSinceGrant >= this.refill) this.grant(this.takenSinceGrant);
  }

  private grant(n: number): void {
    this.granted += n;
    this.takenSinceGrant = 0;
    this.onGrant(n);
  }
}

/** Where an ItemPump puts the items it takes from its source. */
export interface ItemSink<T> {
  /** Whether an item can be passed on now; when not, whenReady(resume) is called. */
  ready(): boolean;
  whenReady(resume: () => void): void;
  /** Passes one item on (encodes and sends it); throws an InteropError when it cannot. */
  send(item: T): void;
  /** The source ended. */
  end(): void;
  /** The source threw, or send() did. */
  fail(error: unknown): void;
}

export class ItemPump<T> {
  private credit = 0;
  private stopped = false;
  private wake: (() => void) | undefined;
  private readonly source: AsyncIterator<T> | Iterator<T>;

  constructor(
    source: ItemSource<T>,
    private readonly sink: ItemSink<T>,
  ) {
    this.source = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    void this.run();
  }

  /** The receiver granted `n` more items. False when that takes the credit past MAX_CREDIT. */
  grant(n: number): boolean {
    if (this.credit + n > MAX_CREDIT) return false;
    this.credit += n;
    this.resume();
    return true;
  }

  /** The exchange is over: no more items are taken, and the source is closed (its `finally` runs). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.resume();
    try {
      const closing = this.source.return?.();
      if (closing instanceof Promise) closing.catch(() => undefined);
    } catch {
      // a source that fails to close has nothing more to give: ignore
    }
  }

  private resume(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private async run(): Promise<void> {
    const sink = this.sink;
    try {
      for (;;) {
        while (this.credit === 0 && !this.stopped) await this.wait();
        if (this.stopped) return;
        if (!sink.ready()) {
          await new Promise<void>((resolve) => sink.whenReady(resolve));
          continue;
        }
        const r = await this.source.next();
        if (this.stopped) return; // the exchange ended while the source made this item
        if (r.done === true) {
          this.stopped = true;
          return sink.end();
        }
        this.credit--;
        sink.send(r.value);
      }
    } catch (error) {
      if (this.stopped) return;
      this.stopped = true;
      sink.fail(error);
    }
  }
}
