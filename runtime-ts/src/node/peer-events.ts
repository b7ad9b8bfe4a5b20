// Events this side publishes to the peer's subscriptions (docs/wire.md §1.1 SUBSCRIBE, §5).
//
// The node's EventHub reaches the connection through `sink`. While the channel takes data an
// EVENT goes out with everything else; while it is congested, events wait in one queue per
// subscription of at most max_event_queue, with the event_queue_policy (`block` drops the newest:
// publishing never waits). Every drop is counted in dropped_events and per subscription in
// `dropped`. Waiting events go out in publish order across subscriptions, after the requests and
// answers that waited for the same drain.

import type { EventDescriptor, ModuleDescriptor } from '../module.js';
import { type Frame, FrameKind, codecId, frameParts } from '../wire/frame.js';
import type { Connection } from './connection.js';
import type { EncodeFor, EventSink } from './events.js';
import { Fifo } from './fifo.js';
import { bump } from './services.js';
import { nextTurn } from './next-turn.js';

/** An event waiting for the channel, with its publish sequence (order across subscriptions). */
export interface QueuedEvent {
  seq: number;
  parts: Uint8Array[];
}

export class PeerEvents {
  /** Events waiting while the channel is congested, per subscription ("module.event" or "module.*"). */
  private readonly backlog = new Map<string, Fifo<QueuedEvent>>();
  /** Events waiting, over all subscriptions. */
  length = 0;
  private seq = 0;
  private scheduled = false;
  /** Events discarded for the peer's subscriptions, per subscription. */
  readonly dropped = new Map<string, number>();

  /** The sink through which the node's hub reaches this connection's remote subscriptions. */
  readonly sink: EventSink = {
    wants: (m, e) => this.conn.server.remoteSubs.has(`${m}.${e}`) || this.conn.server.remoteSubs.has(`${m}.*`),
    deliver: (module, event, _payload, encode: EncodeFor) => this.deliver(module, event, encode),
  };

  constructor(private readonly conn: Connection) {}

  private deliver(module: ModuleDescriptor, event: EventDescriptor, encode: EncodeFor): void {
    const conn = this.conn;
    if (conn.isClosed) return;
    const target = `${module.name}.${event.name}`;
    const remoteSubs = conn.server.remoteSubs;
    const key = remoteSubs.has(target) ? target : `${module.name}.*`;
    const codec = remoteSubs.get(key) ?? conn.peer.sendCodec;
    let queue = this.backlog.get(key);
    const { maxEventQueue, eventQueuePolicy } = conn.options.limits;
    if (queue !== undefined && queue.length >= maxEventQueue) {
      // The subscription's queue is full: the policy discards one event, counted (docs/wire.md §5).
      bump(conn.services.counters, 'dropped_events');
      this.dropped.set(key, (this.dropped.get(key) ?? 0) + 1);
      if (eventQueuePolicy !== 'drop_oldest') return; // drop_newest; block cannot hold publish()
      queue.shift();
      this.length--;
    }
    let payload: Uint8Array;
    try {
      payload = encode(codec);
    } catch (error) {
      bump(conn.services.counters, 'unencodable_events');
      conn.options.debug?.(`cannot encode EVENT ${target}: ${String(error)}`);
      return;
    }
    // In the subscription's codec, also when the payload is empty (docs/wire.md §1.2).
    const frame: Frame = { kind: FrameKind.EVENT, codec: codecId(codec), flags: 0, correlation: 0, timeoutMs: 0, target, payload };
    if (this.length === 0 && conn.out.writableNow()) return conn.send(frame);
    // The channel is congested: the event waits in its subscription's bounded queue.
    if (queue === undefined) this.backlog.set(key, (queue = new Fifo()));
    queue.push({ seq: ++this.seq, parts: frameParts(frame) });
    this.length++;
    if (conn.out.writableNow()) this.schedule();
  }

  /** The peer unsubscribed from `key`: its waiting events are not sent. */
  drop(key: string): void {
    const queue = this.backlog.get(key);
    if (queue === undefined) return;
    this.backlog.delete(key);
    this.length -= queue.length;
  }

  /** Writes waiting events in the next turn, after what the current one writes. */
  schedule(): void {
    if (this.scheduled || this.length === 0) return;
    this.scheduled = true;
    nextTurn(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Writes waiting events in publish order across subscriptions, while the channel takes them. */
  private pump(): void {
    const out = this.conn.out;
    out.flush();
    const backlog = this.backlog;
    while (this.length > 0 && out.writableNow()) {
      let key: string | undefined;
      let first: QueuedEvent | undefined;
      for (const [k, queue] of backlog) {
        const head = queue.peek();
        if (head !== undefined && (first === undefined || head.seq < first.seq)) {
          first = head;
          key = k;
        }
      }
      const queue = backlog.get(key!)!;
      queue.shift();
      if (queue.length === 0) backlog.delete(key!);
      this.length--;
      out.writeNow(first!.parts);
    }
  }

  heldBytes(): number {
    let n = 0;
    for (const q of this.backlog.values()) for (const e of q) for (const p of e.parts) n += p.length;
    return n;
  }

  /** The channel closed. */
  clear(): void {
    this.backlog.clear();
    this.length = 0;
  }
}
