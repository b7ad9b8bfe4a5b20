// This side's subscriptions to the peer's events (docs/wire.md §1.1 SUBSCRIBE / UNSUBSCRIBE / EVENT).
//
// One SUBSCRIBE per target however many local handlers subscribe to it; each handler gets its own
// bounded EventQueue (docs/wire.md §5), and the UNSUBSCRIBE goes out when the last one leaves.

import { ErrorCode, InteropError } from '../errors.js';
import type { EventDescriptor, ModuleDescriptor, Subscription } from '../module.js';
import { CodecId, EMPTY_PAYLOAD, type Frame, FrameKind, codecId, codecNameOf } from '../wire/frame.js';
import { codecFor } from './handshake-flow.js';
import type { Connection } from './connection.js';
import { EventQueue } from './events.js';
import { bump } from './services.js';

interface Subscribed {
  module: ModuleDescriptor;
  event: EventDescriptor;
  queues: Set<EventQueue>;
  /** Settles when the peer answered SUBSCRIBE. */
  ready: Promise<void>;
}

export class Subscriptions {
  /** By target ("module.event"). */
  private readonly byTarget = new Map<string, Subscribed>();

  constructor(private readonly conn: Connection) {}

  /** Targets subscribed to (or being subscribed to) on the peer. */
  get size(): number {
    return this.byTarget.size;
  }

  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    const conn = this.conn;
    conn.ensureCanStart();
    conn.versions.check(module, 'event', event.name);
    const target = `${module.name}.${event.name}`;
    let subs = this.byTarget.get(target);
    if (!subs) {
      // The SUBSCRIBE's codec is the one the EVENTs will come in (docs/wire.md §1.2).
      const ready = conn.calls.subscribe(target, codecId(codecFor(conn.peer, target))).then(() => undefined);
      subs = { module, event, queues: new Set(), ready };
      this.byTarget.set(target, subs);
      ready.catch(() => {
        if (this.byTarget.get(target) === subs) this.byTarget.delete(target);
      });
    }
    const { limits } = conn.options;
    const queue = new EventQueue(handler, limits.maxEventQueue, limits.eventQueuePolicy, {
      flow: conn,
      onDrop: () => bump(conn.services.counters, 'dropped_events'),
      onHandlerError: (e) => {
        bump(conn.services.counters, 'event_handler_errors');
        conn.options.debug?.(`event handler for ${target} failed: ${String(e)}`);
      },
    });
    // The handler's queue is in place before the SUBSCRIBE is answered: an EVENT read right after
    // the RESPONSE (in the same chunk, before this function resumes) reaches it (docs/wire.md §1.1).
    const entry = subs;
    entry.queues.add(queue);
    try {
      await entry.ready;
    } catch (error) {
      entry.queues.delete(queue);
      queue.close();
      throw error;
    }
    return {
      get dropped() {
        return queue.dropped;
      },
      unsubscribe: async () => {
        if (!entry.queues.delete(queue)) return;
        queue.close();
        if (entry.queues.size === 0 && this.byTarget.get(target) === entry) {
          this.byTarget.delete(target);
          if (conn.phase === 'open') {
            conn.send({ kind: FrameKind.UNSUBSCRIBE, codec: CodecId.none, flags: 0, correlation: 0, timeoutMs: 0, target, payload: EMPTY_PAYLOAD });
          }
        }
      },
    };
  }

  /** An EVENT from the peer: decoded once, queued for every local handler of its target. */
  onEvent(frame: Frame): void {
    const conn = this.conn;
    const subs = this.byTarget.get(frame.target);
    const codec = codecNameOf(frame.codec);
    if (!subs || subs.queues.size === 0) {
      bump(conn.services.counters, 'unsolicited_events');
      return;
    }
    let payload: unknown;
    try {
      if (subs.event.payload) {
        if (!codec) throw new InteropError(ErrorCode.PROTOCOL_ERROR, 'EVENT without a payload codec');
        payload = subs.event.payload.decode(frame.payload, codec, conn.options.limits);
      }
    } catch (error) {
      bump(conn.services.counters, 'undecodable_events');
      conn.options.debug?.(`dropped EVENT ${frame.target}: ${String(error)}`);
      return;
    }
    for (const q of subs.queues) q.push(payload);
  }

  /** The connection closed: every local handler's queue is closed, its waiting events counted as dropped. */
  closeAll(): void {
    for (const subs of this.byTarget.values()) for (const q of subs.queues) q.close(true);
    this.byTarget.clear();
  }
}
