// Deadlines of calls in flight (direct calls, requests served, calls made), all on one timer.
//
// A setTimeout per call costs a timer object, a list insertion and a clearTimeout, more than the
// rest of a direct call together. Here a call is a heap entry instead: adding one is a push, and
// finishing one marks it finished, popping it at once when it is the earliest (the usual case:
// calls with the same timeout finish roughly in order). One Node timer is armed for the earliest
// deadline; finished entries left deeper in the heap are dropped when they surface or when they
// outnumber the live ones. While no call is live the timer is unref'd, so it never keeps a
// process alive that a per-call timer would not have kept alive.
//
// Times are monotonic (performance.now()), so a wall-clock step does not fire deadlines early or
// late. An entry never expires before its time: the timer is re-armed when Node fires it early.

/** Node's largest timer delay; a longer deadline is reached by re-arming. */
const TIMEOUT_MAX = 0x7fff_ffff;
/** Below this many finished entries left in the heap, they are not worth a compaction. */
const COMPACT_MIN = 64;

/** Deadline.deadlineState: not added, in the queue, finished or expired. */
const IDLE = 0;
const SCHEDULED = 1;
const FINISHED = 2;

/** Something with a deadline: extend it, then `deadlines.add(entry, ms)` and `deadlines.finish(entry)`. */
export abstract class Deadline {
  /** When it expires, on the performance.now() scale. */
  expiresAt = 0;
  /** @internal */
  deadlineState = IDLE;

  /** Called once when the deadline passes before finish(). */
  abstract onDeadline(): void;
}

/** The relative timeout a per-call setTimeout would have used: outside [1, ∞) it is 1 ms, as Node does. */
export function timeoutDelay(ms: number): number {
  return ms >= 1 ? ms : 1;
}

export class DeadlineQueue {
  private readonly heap: Deadline[] = [];
  private live = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The expiry the timer is armed for (Infinity when not armed). */
  private armedFor = Infinity;
  private refed = false;

  /** Live (added, neither finished nor expired) entries. */
  get size(): number {
    return this.live;
  }

  /** Schedules `entry` to expire `ms` from `now` (performance.now()); `ms` as for setTimeout. */
  add(entry: Deadline, ms: number, now = performance.now()): void {
    const at = now + timeoutDelay(ms);
    entry.expiresAt = at;
    entry.deadlineState = SCHEDULED;
    this.push(entry);
    if (this.live++ === 0 && this.timer !== undefined && !this.refed) {
      this.timer.ref?.();
      this.refed = true;
    }
    if (at < this.armedFor) this.arm(at, now);
  }

  /** Removes `entry` (finished before its deadline). Does nothing for one that expired or was never added. */
  finish(entry: Deadline): void {
    if (entry.deadlineState !== SCHEDULED) {
      entry.deadlineState = FINISHED;
      return;
    }
    entry.deadlineState = FINISHED;
    if (--this.live === 0 && this.refed) {
      this.timer!.unref?.();
      this.refed = false;
    }
    const heap = this.heap;
    if (heap[0] === entry) {
      this.popFinished();
    } else if (heap.length - this.live > COMPACT_MIN && heap.length - this.live > this.live) {
      this.compact();
    }
  }

  private push(entry: Deadline): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(entry);
    const at = entry.expiresAt;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (p.expiresAt <= at) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = entry;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    const n = heap.length;
    if (n === 0) return;
    const at = last.expiresAt;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.expiresAt < heap[child]!.expiresAt) child++;
      const c = heap[child]!;
      if (c.expiresAt >= at) break;
      heap[i] = c;
      i = child;
    }
    heap[i] = last;
  }

  private popFinished(): void {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.deadlineState !== SCHEDULED) this.pop();
  }

  /** Drops every finished entry and rebuilds the heap: linear, and only once they outnumber the live ones. */
  private compact(): void {
    const heap = this.heap;
    let n = 0;
    for (let i = 0; i < heap.length; i++) {
      const e = heap[i]!;
      if (e.deadlineState === SCHEDULED) heap[n++] = e;
    }
    heap.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) {
      const e = heap[i]!;
      let j = i;
      for (;;) {
        let child = 2 * j + 1;
        if (child >= n) break;
        if (child + 1 < n && heap[child + 1]!.expiresAt < heap[child]!.expiresAt) child++;
        const c = heap[child]!;
        if (c.expiresAt >= e.expiresAt) break;
        heap[j] = c;
        j = child;
      }
      heap[j] = e;
    }
  }

  private arm(at: number, now: number): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.armedFor = at;
    // Rounded up: Node counts whole milliseconds, and an early wake-up only re-arms.
    this.timer = setTimeout(this.fire, Math.min(TIMEOUT_MAX, Math.max(1, Math.ceil(at - now))));
    this.refed = this.live > 0;
    if (!this.refed) this.timer.unref?.(); // a browser's timers have no ref/unref
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedFor = Infinity;
    this.refed = false;
    const now = performance.now();
    const heap = this.heap;
    let expired: Deadline[] | undefined;
    while (heap.length > 0) {
      const e = heap[0]!;
      if (e.deadlineState === SCHEDULED) {
        if (e.expiresAt > now) break;
        e.deadlineState = FINISHED;
        this.live--;
        (expired ??= []).push(e);
      }
      this.pop();
    }
    if (heap.length > 0) this.arm(heap[0]!.expiresAt, now);
    // After the queue is consistent again: a handler may add or finish entries.
    if (expired) for (const e of expired) e.onDeadline();
  };
}

/** The process-wide queue: one timer for every deadline in this process. */
export const deadlines = new DeadlineQueue();
