// Events by polling (docs/ts.md "Events: handlers or polling"): a subscription whose events the
// program takes when it wants them, with next(timeoutMs) or `for await`, instead of a handler
// that the runtime calls.
//
// It is an ordinary subscription whose handler hands each event over and waits until the program
// has taken it. So the events that arrive meanwhile wait in the subscription's own bounded queue,
// under the same max_event_queue, event_queue_policy and drop counters as for a slow handler, over
// every transport and in process alike: one event in the hand-over, max_event_queue behind it.

import { ErrorCode, InteropError } from '../errors.js';
import type { Subscription } from '../module.js';

interface Waiter<T> {
  resolve(payload: T): void;
  reject(error: InteropError): void;
  timer?: NodeJS.Timeout;
}

export class PolledSubscription<T> implements Subscription, AsyncIterable<T> {
  private inner: Subscription | undefined;
  private offered: { payload: T; taken: () => void } | undefined;
  private readonly waiters: Waiter<T>[] = [];
  private closed = false;

  private constructor(private readonly what: string) {}

  /**
   * Subscribes through `subscribe`, the generated client's handler method:
   * `await PolledSubscription.open((h) => chat.onMessagePosted(h))`.
   */
  static async open<T>(subscribe: (handler: (payload: T) => Promise<void>) => Promise<Subscription>, what = 'event'): Promise<PolledSubscription<T>> {
    const polled = new PolledSubscription<T>(what);
    polled.inner = await subscribe((payload) => polled.handOver(payload));
    return polled;
  }

  /** Events dropped by the queue policy so far (the same count a handler's subscription keeps). */
  get dropped(): number {
    return this.inner?.dropped ?? 0;
  }

  /**
   * The next event: at once when one waits, else the first to arrive. Rejects with
   * DEADLINE_EXCEEDED when none arrives within `timeoutMs` (0: only an event already waiting;
   * absent: no limit), and with CANCELLED once unsubscribed.
   */
  next(timeoutMs?: number): Promise<T> {
    const offered = this.offered;
    if (offered) {
      this.offered = undefined;
      offered.taken();
      return Promise.resolve(offered.payload);
    }
    if (this.closed) return Promise.reject(this.closedError());
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = { resolve, reject };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `no ${this.what} within ${timeoutMs} ms`));
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  /** Every event until unsubscribed; leaving the loop early keeps the subscription. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    while (!this.closed) {
      try {
        yield await this.next();
      } catch (error) {
        if (this.closed) return;
        throw error;
      }
    }
  }

  /** Ends the subscription: waiting next() calls reject with CANCELLED and loops end. */
  async unsubscribe(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(this.closedError());
    }
    this.offered?.taken();
    this.offered = undefined;
    await this.inner?.unsubscribe();
  }

  /** The subscription's handler: resolves once the program took the event. */
  private handOver(payload: T): Promise<void> {
    const waiter = this.waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve(payload);
      return Promise.resolve();
    }
    if (this.closed) return Promise.resolve();
    return new Promise<void>((taken) => (this.offered = { payload, taken }));
  }

  private closedError(): InteropError {
    return new InteropError(ErrorCode.CANCELLED, `the ${this.what} subscription was closed`);
  }
}
