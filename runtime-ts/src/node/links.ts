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

export class Link {
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
    private readonly link: Link,
    private readonly counters: Counters,
  ) {}

  async call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    const conn = await this.link.connection();
    return conn.call(module, fn, args, options);
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

  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    const link = this.link;
    let inner: Subscription = await (await link.connection()).subscribe(module, event, handler);
    let droppedBefore = 0;
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
          retryMs = 100;
          watch(conn);
          return;
        } catch {
          retryMs = Math.min(retryMs * 2, 5000);
        }
      }
    };
    const watch = (conn: Connection) => conn.onClose(() => void (active && renew()));
    watch(link.current!);
    return {
      get dropped() {
        return droppedBefore + inner.dropped;
      },
      async unsubscribe() {
        active = false;
        await inner.unsubscribe();
      },
    };
  }
}
