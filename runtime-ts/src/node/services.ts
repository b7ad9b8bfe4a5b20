// What one side of a connection serves: its hosted modules (descriptor + handler object), its
// event hub, its control documents, and the counters the health document reports.

import type { ModuleDescriptor } from '../module.js';
import { EventHub } from './events.js';

export interface HostedModule {
  descriptor: ModuleDescriptor;
  /** Object whose methods (FunctionDescriptor.method) implement the module's functions. */
  handlers: object;
}

/** Named counters (dropped_events, rejected_frames, late_responses, …), shared by a node. */
export type Counters = Record<string, number>;

export function bump(counters: Counters, name: string, by = 1): void {
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
  readonly counters: Counters = {};
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
