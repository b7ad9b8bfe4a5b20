// Event fan-out. A node's EventHub delivers each published event to local subscriptions (a
// bounded queue each, no encoding) and to connections with remote subscribers (encoded once per
// codec per publish). Every drop is counted.

import type { CodecName, EventDescriptor, ModuleDescriptor } from '../module.js';
import type { EventQueuePolicy } from '../wire/limits.js';
import { EMPTY_PAYLOAD } from '../wire/frame.js';

/** Lets a `block` queue hold back its producer (a connection stops reading). */
export interface FlowControl {
  pause(): void;
  resume(): void;
}

/**
 * A subscription's queue: events wait here for the handler, which runs for one event at a time,
 * in order. When `max` events wait, the policy applies: drop_oldest discards the oldest waiting
 * event, drop_newest the arriving one, block keeps it and pauses the producer until there is room
 * (without a producer to pause, block behaves as drop_newest: a synchronous publish cannot wait).
 */
export class EventQueue {
  dropped = 0;
  private items: unknown[] = [];
  private running = false;
  private closed = false;
  private paused = false;

  constructor(
    private readonly handler: (payload: unknown) => void | Promise<void>,
    private readonly max: number,
    private readonly policy: EventQueuePolicy,
    private readonly hooks: { flow?: FlowControl; onDrop?: () => void; onHandlerError?: (error: unknown) => void } = {},
  ) {}

  get length(): number {
    return this.items.length;
  }

  push(payload: unknown): void {
    if (this.closed) return;
    if (this.items.length >= this.max) {
      if (this.policy === 'drop_oldest') {
        this.items.shift();
        this.drop();
      } else if (this.policy === 'block' && this.hooks.flow) {
        if (!this.paused) {
          this.paused = true;
          this.hooks.flow.pause();
        }
      } else {
        this.drop();
        return;
      }
    }
    this.items.push(payload);
    void this.pump();
  }

  /** Discards the waiting events; `lost` (their connection closed) counts them as dropped. */
  close(lost = false): void {
    if (this.closed) return;
    this.closed = true;
    if (lost) for (let i = this.items.length; i > 0; i--) this.drop();
    this.items.length = 0;
    this.unpause();
  }

  private drop(): void {
    this.dropped++;
    this.hooks.onDrop?.();
  }

  private unpause(): void {
    if (this.paused) {
      this.paused = false;
      this.hooks.flow?.resume();
    }
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.items.length > 0 && !this.closed) {
        const payload = this.items.shift();
        if (this.items.length < this.max) this.unpause();
        try {
          await this.handler(payload);
        } catch (error) {
          this.hooks.onHandlerError?.(error);
        }
      }
    } finally {
      this.running = false;
    }
  }
}

/** Encodes a published payload at most once per codec. */
export type EncodeFor = (codec: CodecName) => Uint8Array;

export interface EventSink {
  /** Whether this sink wants `module.event` (exact or via `module.*`). */
  wants(module: string, event: string): boolean;
  deliver(module: ModuleDescriptor, event: EventDescriptor, payload: unknown, encode: EncodeFor): void;
}

export class EventHub {
  private readonly sinks = new Set<EventSink>();

  add(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }

  /** Local subscription: the payload object itself reaches the handler, no encoding. */
  subscribeLocal(module: string, event: string, queue: EventQueue): () => void {
    return this.add({
      wants: (m, e) => m === module && e === event,
      deliver: (_m, _e, payload) => queue.push(payload),
    });
  }

  /** How many subscribers, local or remote, `module.event` has now. */
  subscribers(module: string, event: string): number {
    let n = 0;
    for (const sink of this.sinks) if (sink.wants(module, event)) n++;
    return n;
  }

  /**
   * Checks the payload first (docs/wire.md §3.4): a value its type cannot hold is refused before
   * any subscriber, local or remote, sees it, so publishing fails the same way wherever they are.
   */
  publish(module: ModuleDescriptor, event: EventDescriptor, payload: unknown): void {
    event.payload?.validate(payload);
    const cache = new Map<CodecName, Uint8Array>();
    const encode: EncodeFor = (codec) => {
      let bytes = cache.get(codec);
      if (!bytes) {
        bytes = event.payload ? event.payload.encode(payload, codec) : EMPTY_PAYLOAD;
        cache.set(codec, bytes);
      }
      return bytes;
    };
    for (const sink of this.sinks) if (sink.wants(module.name, event.name)) sink.deliver(module, event, payload, encode);
  }
}
