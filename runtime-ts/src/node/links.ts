// How a node reaches a module it does not host: a Link owns one connection (dialed lazily,
// redialed after it drops), and a LinkInvoker is the Invoker generated clients use over it.
// Subscriptions made through a LinkInvoker are renewed on the next connection after a drop.

import type { CallOptions, EventDescriptor, FunctionDescriptor, Invoker, ItemSource, ModuleDescriptor, Subscription } from '../module.js';
import { CallerStream } from './stream-call.js';
import { startStream } from './stream-calls.js';
import { ErrorCode, InteropError } from '../errors.js';
import { unavailable } from './call-errors.js';
import type { Connection } from './connection.js';
import { bump, type Counters } from './services.js';

/** What a LinkInvoker calls through: one Link, or a MultiLink of several endpoints (endpoints.ts). */
export interface Route {
  readonly description: string;
  /** An open connection to use now without dialing, if any. */
  readonly current: Connection | undefined;
  readonly isClosed: boolean;
  connection(): Promise<Connection>;
  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown>;
  close(graceMs: number): Promise<void>;
}

export class Link implements Route {
  private conn: Connection | undefined;
  private opening: Promise<Connection> | undefined;
  private closed = false;

  constructor(
    readonly description: string,
    private readonly open: () => Promise<Connection>,
  ) {}

  /** The open connection, dialing (again) when there is none. */
  connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(unavailable(`${this.description}: node is closing`));
    if (this.conn && this.conn.isOpen) return Promise.resolve(this.conn);
    if (this.opening) return this.opening;
    const opening = this.open().then(
      (c) => {
        this.conn = c;
        this.opening = undefined;
        c.onClose(() => {
          if (this.conn === c) this.conn = undefined;
        });
        return c;
      },
      (error: unknown) => {
        this.opening = undefined;
        // Handshake refusals (SCHEMA_MISMATCH, UNAUTHENTICATED, …) keep their code.
        if (error instanceof InteropError && error.code !== ErrorCode.UNAVAILABLE && error.code !== ErrorCode.DEADLINE_EXCEEDED) throw error;
        throw unavailable(`${this.description}: cannot connect: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    this.opening = opening;
    return opening;
  }

  get current(): Connection | undefined {
    return this.conn;
  }

  async call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    return (await this.connection()).call(module, fn, args, options);
  }

  /** Closed with its node: no more dialing (nor renewing subscriptions). */
  get isClosed(): boolean {
    return this.closed;
  }

  async close(graceMs: number): Promise<void> {
    this.closed = true;
    const c = this.conn ?? (await this.opening?.catch(() => undefined));
    await c?.close('node closing', graceMs);
  }
}

export class LinkInvoker implements Invoker {
  constructor(
    private readonly link: Route,
    private readonly counters: Counters,
  ) {}

  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    return this.link.call(module, fn, args, options);
  }

  /** A stream on the link's connection, dialed when the stream is first read. */
  stream(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], input: ItemSource<unknown> | undefined, options?: CallOptions): CallerStream {
    return new CallerStream(`${module.name}.${fn.name}`, fn.output !== undefined, (call) => {
      this.link.connection().then(
        (conn) => startStream(conn, call, module, fn, args, input, options),
        (error: unknown) => call.finish(error instanceof InteropError ? error : unavailable(String(error)), undefined, true),
      );
    });
  }

  /**
   * Sends at once on an open connection, so that its refusal (RESOURCE_EXHAUSTED: max_in_flight
   * one-way calls already wait for a peer that does not read) reaches the caller. While the link
   * (re)dials, the call is sent once it is up; one that cannot be sent then is counted.
   */
  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    const current = this.link.current;
    if (current?.isOpen) return current.oneway(module, fn, args);
    // Checked now, so that a bad argument is refused to the caller as when connected.
    fn.params.validate(args);
    this.link.connection().then(
      (conn) => conn.oneway(module, fn, args),
      () => bump(this.counters, 'dropped_oneways'),
    ).catch(() => bump(this.counters, 'dropped_oneways'));
  }

  /**
   * Subscribes on the connection the link picks now; when that connection closes, subscribes
   * again on the next one (the same endpoint redialed, or another by the link's policy). Events
   * published meanwhile are not seen, and those still queued for the handler on the lost
   * connection are discarded: `dropped` counts the latter, `resubscriptions` the switches.
   */
  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<LinkSubscription> {
    const link = this.link;
    const first = await link.connection();
    let inner: Subscription = await first.subscribe(module, event, handler);
    let droppedBefore = 0;
    let resubscriptions = 0;
    let active = true;
    let retryMs = 100;
    const renew = async (): Promise<void> => {
      while (active && !link.isClosed) {
        await new Promise((r) => setTimeout(r, retryMs));
        if (!active || link.isClosed) return;
        try {
          const conn = await link.connection();
          const renewed = await conn.subscribe(module, event, handler);
          droppedBefore += inner.dropped; // counted once, when replaced (a failed try replaces nothing)
          inner = renewed;
          resubscriptions++;
          retryMs = 100;
          watch(conn);
          return;
        } catch {
          retryMs = Math.min(retryMs * 2, 5000);
        }
      }
    };
    const watch = (conn: Connection) => conn.onClose(() => void (active && renew()));
    watch(first);
    return {
      get dropped() {
        return droppedBefore + inner.dropped;
      },
      get resubscriptions() {
        return resubscriptions;
      },
      async unsubscribe() {
        active = false;
        await inner.unsubscribe();
      },
    };
  }
}

/** A subscription over a link, renewed on the next connection after one closes. */
export interface LinkSubscription extends Subscription {
  /** How many times it was made again on a new connection: each time, events published meanwhile were missed. */
  readonly resubscriptions: number;
}
