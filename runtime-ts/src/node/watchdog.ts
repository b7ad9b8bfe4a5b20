// A connection's clocks after its handshake (docs/wire.md §5.1):
// - every frame must be complete within frame_timeout_ms of its first byte; otherwise the peer gets
//   one ERROR (RESOURCE_EXHAUSTED) and the connection closes (frame_timeouts);
// - a connection accepted on a listener is checked every idle_timeout_ms, and closed with GOODBYE
//   when it received and wrote nothing since the last check and nothing is going on (idle_timeouts).
// One timer per connection, armed at the earlier of the two. Reading and writing only set flags
// (the clock is read when a chunk leaves a frame incomplete), so the hot paths stay cheap.

import { ErrorCode } from '../errors.js';
import { bump } from './services.js';
import type { Connection } from './connection.js';

export class Watchdog {
  /** When the incomplete frame now buffered began to arrive (performance.now()), if there is one. */
  private partialSince: number | undefined;
  /** When the next idle check is due; undefined when this connection is not checked for idleness. */
  private nextIdleCheck: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedAt = Infinity;
  private started = false;

  constructor(private readonly conn: Connection) {}

  /** The handshake is done: the clocks start (frames already buffered count from now). */
  start(): void {
    const { limits, closeWhenIdle } = this.conn.options;
    this.started = true;
    if (closeWhenIdle) {
      this.nextIdleCheck = performance.now() + limits.idleTimeoutMs;
      this.arm(this.nextIdleCheck);
    }
    this.afterRead(1);
  }

  /** After a chunk was decoded into `completed` items: starts the clock of a frame left incomplete. */
  afterRead(completed: number): void {
    if (!this.started) return;
    if (this.conn.decoder.bufferedBytes === 0) {
      this.partialSince = undefined;
    } else if (this.partialSince === undefined || completed > 0) {
      this.partialSince = performance.now();
      this.arm(this.partialSince + this.conn.options.limits.frameTimeoutMs);
    }
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.started = false;
  }

  private arm(at: number): void {
    if (at >= this.armedAt) return; // an earlier check comes first and re-arms
    clearTimeout(this.timer);
    this.armedAt = at;
    this.timer = setTimeout(() => this.check(), Math.max(0, at - performance.now()));
    this.timer.unref?.();
  }

  private check(): void {
    this.timer = undefined;
    this.armedAt = Infinity;
    const conn = this.conn;
    if (!this.started || conn.isClosed) return;
    const { frameTimeoutMs, idleTimeoutMs } = conn.options.limits;
    const now = performance.now();
    if (this.partialSince !== undefined) {
      // While reading is paused the frame cannot come in: its clock restarts.
      if (conn.inbound.isPaused) this.partialSince = now;
      else if (now - this.partialSince >= frameTimeoutMs) return this.frameTimedOut(frameTimeoutMs);
    }
    if (this.nextIdleCheck !== undefined && now >= this.nextIdleCheck) {
      if (!conn.inbound.received && !conn.out.wrote && !this.busy()) return this.idle(idleTimeoutMs);
      conn.inbound.received = false;
      conn.out.wrote = false;
      this.nextIdleCheck = now + idleTimeoutMs;
    }
    if (this.nextIdleCheck !== undefined) this.arm(this.nextIdleCheck);
    if (this.partialSince !== undefined) this.arm(this.partialSince + frameTimeoutMs);
  }

  /** Something is going on: an exchange either way, a subscription either way, bytes waiting. */
  private busy(): boolean {
    const conn = this.conn;
    const waiting = conn.waiting;
    return (
      conn.calls.size > 0 ||
      conn.server.active.size > 0 ||
      conn.server.remoteSubs.size > 0 ||
      conn.subscriptions.size > 0 ||
      waiting.outbox > 0 ||
      waiting.events > 0 ||
      conn.inbound.isPaused ||
      conn.decoder.bufferedBytes > 0
    );
  }

  private frameTimedOut(ms: number): void {
    this.stop();
    const conn = this.conn;
    const message = `frame not complete within ${ms} ms (frame_timeout_ms)`;
    bump(conn.services.counters, 'frame_timeouts');
    conn.options.debug?.(`${conn.channel.description}: ${message}`);
    conn.decoder.stop(); // the partial frame is dropped, not counted again as a cut stream
    conn.sendError(0, '', 'json', { code: ErrorCode.RESOURCE_EXHAUSTED, message });
    conn.closeWith(message);
  }

  private idle(ms: number): void {
    this.stop();
    bump(this.conn.services.counters, 'idle_timeouts');
    this.conn.goodbyeWhenIdle(`idle for ${ms} ms`);
  }
}
