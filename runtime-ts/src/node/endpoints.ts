// A link with several endpoints (docs/config.md "Several endpoints: failover and round_robin"):
// one Link per endpoint, each dialed when first needed; a policy picks the connection for each
// exchange. An endpoint whose dial fails or whose connection drops is "down": calls skip it while a
// background probe redials it (from 100 ms, doubling to 5 s); once the probe connects it is up again
// and takes calls by the policy (failover prefers it again if it comes first).
//
// Calls are never re-sent silently: a call whose connection dropped after it was sent fails with
// UNAVAILABLE (it may have run), unless the config marks its function idempotent; then it is sent
// again on the next endpoint, within the call's original deadline. A call that found no endpoint
// up is sent nowhere and fails with UNAVAILABLE at once, naming every endpoint and why it is down.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallOptions, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import { unavailable } from './call-errors.js';
import type { Connection } from './connection.js';
import { Link } from './links.js';

export type LinkPolicy = 'failover' | 'round_robin';

const PROBE_FIRST_MS = 100;
const PROBE_MAX_MS = 5000;

class Endpoint {
  /** Set while the endpoint is down: why, and the probe's timer. */
  down: { reason: string; timer: NodeJS.Timeout; retryMs: number } | undefined;
  watched: Connection | undefined;

  constructor(readonly link: Link) {}

  get open(): Connection | undefined {
    const c = this.link.current;
    return c?.isOpen ? c : undefined;
  }
}

export class MultiLink {
  private readonly endpoints: Endpoint[];
  private next = 0;
  private closed = false;

  constructor(
    readonly description: string,
    addresses: string[],
    readonly policy: LinkPolicy,
    open: (address: string) => Promise<Connection>,
    /** Qualified function names ("module.fn") that may be sent again after a lost connection. */
    private readonly idempotent: ReadonlySet<string>,
    private readonly defaultDeadlineMs: number,
  ) {
    this.endpoints = addresses.map((a) => new Endpoint(new Link(a, () => open(a))));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Endpoints in the order a pick tries them: as listed (failover), or from the one after the
   * last picked (round_robin, so that a down endpoint's turn goes to the next one up, not to the
   * same neighbour every time).
   */
  private order(): Endpoint[] {
    if (this.policy === 'failover') return this.endpoints;
    const start = this.next % this.endpoints.length;
    return [...this.endpoints.slice(start), ...this.endpoints.slice(0, start)];
  }

  private picked(e: Endpoint, conn: Connection): Connection {
    this.next = this.endpoints.indexOf(e) + 1;
    return conn;
  }

  /** An open connection the policy picks now without dialing, if any (one-way calls use it). */
  get current(): Connection | undefined {
    const e = this.order().find((e) => e.open);
    return e && this.picked(e, e.open!);
  }

  /** The connection for the next exchange: the first endpoint by the policy that is up, dialing one not known to be down. */
  async connection(): Promise<Connection> {
    if (this.closed) throw unavailable(`${this.description}: node is closing`);
    for (const e of this.order()) {
      const open = e.open;
      if (open) return this.picked(e, open);
      if (e.down) continue;
      try {
        return this.picked(e, this.watch(e, await e.link.connection()));
      } catch (error) {
        // A handshake refusal (UNAUTHENTICATED, SCHEMA_MISMATCH, …) is the configuration's fault: say it.
        if (error instanceof InteropError && error.code !== ErrorCode.UNAVAILABLE) throw error;
        this.markDown(e, error instanceof Error ? error.message : String(error));
      }
    }
    const why = this.endpoints.map((e) => `${e.link.description}: ${e.down?.reason ?? 'not connected'}`).join('; ');
    throw unavailable(`${this.description}: every endpoint is down (${why})`);
  }

  /** A call by the policy; sent again on another endpoint only when idempotent (see above). */
  async call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    const deadline = Date.now() + (options?.timeoutMs ?? this.defaultDeadlineMs);
    for (let attempt = 1; ; attempt++) {
      const conn = await this.connection();
      try {
        return await conn.call(module, fn, args, { ...options, timeoutMs: Math.max(1, deadline - Date.now()) });
      } catch (error) {
        const lost = error instanceof InteropError && error.code === ErrorCode.UNAVAILABLE && !conn.isOpen;
        if (!lost || !this.idempotent.has(`${module.name}.${fn.name}`) || attempt >= this.endpoints.length || Date.now() >= deadline) throw error;
      }
    }
  }

  private watch(e: Endpoint, conn: Connection): Connection {
    if (e.watched !== conn) {
      e.watched = conn;
      conn.onClose((reason) => {
        if (!this.closed && e.watched === conn) this.markDown(e, `connection lost: ${reason}`);
      });
    }
    return conn;
  }

  private markDown(e: Endpoint, reason: string): void {
    if (e.down || this.closed) return;
    const probe = (retryMs: number): NodeJS.Timeout =>
      setTimeout(() => {
        e.link.connection().then(
          (conn) => {
            clearTimeout(e.down?.timer);
            e.down = undefined;
            this.watch(e, conn);
          },
          (error: unknown) => {
            if (!e.down || this.closed) return;
            e.down.reason = error instanceof Error ? error.message : String(error);
            e.down.retryMs = Math.min(e.down.retryMs * 2, PROBE_MAX_MS);
            e.down.timer = probe(e.down.retryMs);
          },
        );
      }, retryMs).unref();
    e.down = { reason, retryMs: PROBE_FIRST_MS, timer: probe(PROBE_FIRST_MS) };
  }

  async close(graceMs: number): Promise<void> {
    this.closed = true;
    for (const e of this.endpoints) clearTimeout(e.down?.timer);
    await Promise.all(this.endpoints.map((e) => e.link.close(graceMs)));
  }
}
