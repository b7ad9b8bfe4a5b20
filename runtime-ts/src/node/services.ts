// What one side of a connection serves: its hosted modules (descriptor + handler object), its
// event hub, its control documents, and the counters the health document reports.

import type { ModuleDescriptor } from '../module.js';
import { EventHub } from './events.js';

export interface HostedModule {
  descriptor: ModuleDescriptor;
  /** Object whose methods (FunctionDescriptor.method) implement the module's functions. */
  handlers: object;
}

/** Named counters (COUNTER_NAMES), shared by a node and reported by health. */
export type Counters = Record<string, number>;

/**
 * The health counters (docs/wire.md §7), the same names and meanings in every runtime:
 * - requests_served: requests whose handler's result went out as a RESPONSE (streams: the final one);
 * - handler_errors: handlers (calls, streams, one-way calls, direct ones too) that threw or rejected;
 * - event_handler_errors: subscription handlers that threw or rejected (the subscription goes on);
 * - rejected_requests: REQUESTs refused with RESOURCE_EXHAUSTED, max_in_flight being handled;
 * - rejected_frames: malformed frames, byte streams cut inside a frame, handshake frames after the
 *   handshake, stream frames that break the rules of docs/wire.md §1.5;
 * - rejected_connections: connections a listener refused (RESOURCE_EXHAUSTED) because it had
 *   max_connections open;
 * - rejected_handshakes: incoming connections whose handshake failed or timed out;
 * - idle_timeouts: accepted connections closed (GOODBYE) after idle_timeout_ms with nothing going on;
 * - frame_timeouts: connections closed because a frame was not complete within frame_timeout_ms;
 * - late_responses: RESPONSE, ERROR or PONG for an exchange no longer waited for (timed out, cancelled);
 * - late_cancels: CANCEL for an exchange already answered (its answer no longer waiting to be written);
 * - late_stream_frames: STREAM_ITEM, STREAM_END or STREAM_CREDIT naming no open stream (in flight
 *   across its end);
 * - dropped_oneways: one-way calls not run (unknown target, undecodable, over max_in_flight) or not
 *   sent (their link could not connect);
 * - dropped_events: events discarded by a full queue (docs/wire.md §5), either side;
 * - unsolicited_events: EVENTs received for no subscription (e.g. in flight across an UNSUBSCRIBE);
 * - undecodable_events: EVENTs received whose payload does not decode;
 * - unencodable_events: published events whose payload could not be encoded for a subscriber;
 * - paused_reads: times a connection stopped reading its peer (a full `block` queue, answers the
 *   peer does not read).
 */
export const COUNTER_NAMES = [
  'requests_served',
  'handler_errors',
  'event_handler_errors',
  'rejected_requests',
  'rejected_frames',
  'rejected_connections',
  'rejected_handshakes',
  'idle_timeouts',
  'frame_timeouts',
  'late_responses',
  'late_cancels',
  'late_stream_frames',
  'dropped_oneways',
  'dropped_events',
  'unsolicited_events',
  'undecodable_events',
  'unencodable_events',
  'paused_reads',
] as const;

export type CounterName = (typeof COUNTER_NAMES)[number];

/** Every counter at zero. */
export function newCounters(): Counters {
  const counters: Counters = {};
  for (const name of COUNTER_NAMES) counters[name] = 0;
  return counters;
}

export function bump(counters: Counters, name: CounterName, by = 1): void {
  counters[name] = (counters[name] ?? 0) + by;
}

export interface LocalServices {
  readonly node: string;
  readonly hub: EventHub;
  readonly counters: Counters;
  module(name: string): HostedModule | undefined;
  /** Module name → fingerprint of every hosted module. */
  offers(): Record<string, string>;
  /** The JSON document of a control member (docs/wire.md §7), or undefined if unknown. */
  control(member: string): unknown;
}

/** A plain LocalServices over a list of hosted modules. */
export class ServiceTable implements LocalServices {
  readonly hub = new EventHub();
  readonly counters: Counters = newCounters();
  private readonly modules = new Map<string, HostedModule>();
  controlProvider: (member: string) => unknown = () => undefined;

  constructor(
    readonly node: string,
    hosted: HostedModule[] = [],
  ) {
    for (const h of hosted) this.host(h);
  }

  host(h: HostedModule): void {
    if (this.modules.has(h.descriptor.name)) throw new Error(`module ${h.descriptor.name} is hosted twice`);
    this.modules.set(h.descriptor.name, h);
  }

  module(name: string): HostedModule | undefined {
    return this.modules.get(name);
  }

  hosted(): HostedModule[] {
    return [...this.modules.values()];
  }

  offers(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, h] of this.modules) out[name] = h.descriptor.fingerprint;
    return out;
  }

  control(member: string): unknown {
    return this.controlProvider(member);
  }
}
