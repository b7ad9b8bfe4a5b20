// The direct transport (docs/wire.md §8): the caller and the implementation are in the same
// process, so a call is a method call: no encoding, no frames. Arguments and results are passed
// by reference. Errors, deadlines and cancellation behave as over a connection: a declared error
// reaches the caller as itself, anything else as INTERNAL; DEADLINE_EXCEEDED and CANCELLED abort
// the handler's ctx.signal.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CallOptions, EventDescriptor, FunctionDescriptor, Invoker, ModuleDescriptor, Publisher, Subscription } from '../module.js';
import { declaredError, internalError } from '../node/call-errors.js';
import { EventQueue, type EventHub } from '../node/events.js';
import { bump, type Counters, type HostedModule } from '../node/services.js';
import type { Limits } from '../wire/limits.js';

export class DirectInvoker implements Invoker {
  constructor(
    private readonly hosted: HostedModule,
    private readonly hub: EventHub,
    private readonly limits: Limits,
    private readonly counters: Counters = {},
  ) {}

  private check(module: ModuleDescriptor): void {
    const ours = this.hosted.descriptor;
    if (module.name !== ours.name) throw new InteropError(ErrorCode.NOT_FOUND, `module ${module.name} is not hosted here (this invoker serves ${ours.name})`);
    if (module.fingerprint !== ours.fingerprint) {
      throw new InteropError(ErrorCode.SCHEMA_MISMATCH, `module ${module.name}: caller was generated from ${module.fingerprint}, implementation from ${ours.fingerprint}`);
    }
  }

  private method(fn: FunctionDescriptor): (...args: unknown[]) => unknown {
    const method = (this.hosted.handlers as Record<string, unknown>)[fn.method];
    if (typeof method !== 'function') throw new InteropError(ErrorCode.UNIMPLEMENTED, `${this.hosted.descriptor.name}.${fn.name} has no implementation (${fn.method})`);
    return method as (...args: unknown[]) => unknown;
  }

  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options: CallOptions = {}): Promise<unknown> {
    try {
      this.check(module);
      const method = this.method(fn);
      const callerSignal = options.signal;
      if (callerSignal?.aborted) throw new InteropError(ErrorCode.CANCELLED, `${fn.name}: cancelled before it was sent`);
      const timeoutMs = options.timeoutMs ?? this.limits.defaultDeadlineMs;
      const controller = new AbortController();
      const ctx: CallContext = { signal: controller.signal, deadline: Date.now() + timeoutMs, peer: 'local' };
      const target = `${module.name}.${fn.name}`;
      return new Promise<unknown>((resolve, reject) => {
        let settled = false;
        const finish = () => {
          settled = true;
          clearTimeout(timer);
          callerSignal?.removeEventListener('abort', onAbort);
        };
        const stop = (error: InteropError) => {
          if (settled) return;
          finish();
          controller.abort(error);
          reject(error);
        };
        const onAbort = () => stop(new InteropError(ErrorCode.CANCELLED, `${target}: cancelled by the caller`));
        const timer = setTimeout(() => stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${target}: deadline of ${timeoutMs} ms exceeded`)), timeoutMs);
        callerSignal?.addEventListener('abort', onAbort, { once: true });
        let result: unknown;
        try {
          result = method.call(this.hosted.handlers, ...args, ctx);
        } catch (error) {
          result = Promise.reject(error);
        }
        Promise.resolve(result).then(
          (value) => {
            if (settled) return;
            finish();
            resolve(fn.result ? value : undefined);
          },
          (error: unknown) => {
            if (settled) return;
            finish();
            bump(this.counters, 'handler_errors');
            reject(declaredError(module, fn, error) ? error : internalError(fn, error));
          },
        );
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    this.check(module);
    const method = this.method(fn);
    const ctx: CallContext = { signal: new AbortController().signal, peer: 'local' };
    // Run after the caller continues, as a remote one-way would.
    queueMicrotask(() => {
      Promise.resolve()
        .then(() => method.call(this.hosted.handlers, ...args, ctx))
        .catch(() => bump(this.counters, 'handler_errors'));
    });
  }

  async subscribe(module: ModuleDescriptor, event: EventDescriptor, handler: (payload: unknown) => void | Promise<void>): Promise<Subscription> {
    this.check(module);
    if (!Object.prototype.hasOwnProperty.call(module.events, event.name)) throw new InteropError(ErrorCode.NOT_FOUND, `${module.name} has no event ${event.name}`);
    return subscribeLocal(this.hub, module, event, handler, this.limits, this.counters);
  }
}

/** A local subscription on a hub: a bounded queue, no encoding. */
export function subscribeLocal(
  hub: EventHub,
  module: ModuleDescriptor,
  event: EventDescriptor,
  handler: (payload: unknown) => void | Promise<void>,
  limits: Limits,
  counters: Counters,
): Subscription {
  const queue = new EventQueue(handler, limits.maxEventQueue, limits.eventQueuePolicy, {
    onDrop: () => bump(counters, 'dropped_events'),
    onHandlerError: () => bump(counters, 'event_handler_errors'),
  });
  const remove = hub.subscribeLocal(module.name, event.name, queue);
  return {
    get dropped() {
      return queue.dropped;
    },
    async unsubscribe() {
      remove();
      queue.close();
    },
  };
}

/** Publishes into a hub: local subscribers get the object, remote ones its encoding. */
export class HubPublisher implements Publisher {
  constructor(
    private readonly hub: EventHub,
    private readonly counters: Counters = {},
  ) {}

  publish(module: ModuleDescriptor, event: EventDescriptor, payload: unknown): void {
    try {
      this.hub.publish(module, event, payload);
    } catch (error) {
      bump(this.counters, 'unencodable_events');
      throw error;
    }
  }
}
