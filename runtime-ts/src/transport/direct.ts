// The direct transport (docs/wire.md §8): the caller and the implementation are in the same
// process, so a call is a method call: no encoding, no frames. Arguments and results are passed
// by reference, after the same value checks an encoder makes (docs/wire.md §3.4), so a value
// refused over a socket is refused here with the same error. Errors, deadlines and cancellation
// behave as over a connection: a declared error reaches the caller as itself, anything else as
// INTERNAL; DEADLINE_EXCEEDED and CANCELLED abort the handler's ctx.signal.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CallOptions, EventDescriptor, FunctionDescriptor, Invoker, ItemSource, ModuleDescriptor, Publisher, Subscription } from '../module.js';
import { handlerError, invalidResult } from '../node/call-errors.js';
import { CallerStream } from '../node/stream-call.js';
import { directStream } from './direct-streams.js';
import { EventQueue, type EventHub } from '../node/events.js';
import { bump, type Counters, type HostedModule } from '../node/services.js';
import type { Limits } from '../wire/limits.js';
import { Deadline, deadlines, timeoutDelay } from '../node/deadlines.js';

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

  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown> {
    let call: DirectCall;
    try {
      this.check(module);
      const method = this.method(fn);
      const callerSignal = options?.signal;
      if (callerSignal?.aborted) throw new InteropError(ErrorCode.CANCELLED, `${fn.name}: cancelled before it was sent`);
      fn.params.validate(args); // what encoding the REQUEST would refuse
      call = new DirectCall(module, fn, options?.timeoutMs ?? this.limits.defaultDeadlineMs, this.counters);
      if (callerSignal) call.listen(callerSignal);
      let result: unknown;
      try {
        const handlers = this.hosted.handlers;
        // No spread: generated stubs pass a fresh array of their parameters, usually one or two.
        switch (args.length) {
          case 0:
            result = method.call(handlers, call);
            break;
          case 1:
            result = method.call(handlers, args[0], call);
            break;
          case 2:
            result = method.call(handlers, args[0], args[1], call);
            break;
          default:
            result = method.call(handlers, ...args, call);
        }
      } catch (error) {
        result = Promise.reject(error);
      }
      Promise.resolve(result).then(
        (value) => call.succeed(value),
        (error: unknown) => call.fail(error),
      );
    } catch (error) {
      return Promise.reject(error);
    }
    return call.promise;
  }

  stream(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], input: ItemSource<unknown> | undefined, options?: CallOptions): CallerStream {
    try {
      this.check(module);
      return directStream(module, fn, this.method(fn), this.hosted.handlers, args, input, options, this.limits, this.counters);
    } catch (error) {
      // Refused before it started: the CallerStream reports it when read, as a remote refusal.
      const refused = new CallerStream(`${module.name}.${fn.name}`, fn.output !== undefined, (call) => call.finish(error as InteropError, undefined, true));
      return refused;
    }
  }

  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void {
    this.check(module);
    const method = this.method(fn);
    fn.params.validate(args);
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

/**
 * One direct call in flight: its promise, its deadline (on the shared deadline queue, not a timer
 * of its own) and the handler's context. Most handlers never read `signal`, so its
 * AbortController is created only when one does, already aborted if the call ended.
 */
class DirectCall extends Deadline implements CallContext {
  readonly peer = 'local';
  readonly promise: Promise<unknown>;
  private resolve!: (value: unknown) => void;
  private reject!: (error: unknown) => void;
  private settled = false;
  private controller: AbortController | undefined;
  private abortReason: InteropError | undefined;
  private wallDeadline: number | undefined;
  private callerSignal: AbortSignal | undefined;
  private onCallerAbort: (() => void) | undefined;

  constructor(
    private readonly module: ModuleDescriptor,
    private readonly fn: FunctionDescriptor,
    private readonly timeoutMs: number,
    private readonly counters: Counters,
  ) {
    super();
    this.promise = new Promise<unknown>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    deadlines.add(this, timeoutMs);
  }

  /** Aborted when the caller cancels or the deadline passes. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  /** The absolute deadline (Date.now() scale): the start of the call plus its timeout. */
  get deadline(): number {
    if (this.wallDeadline === undefined) {
      const started = this.expiresAt - timeoutDelay(this.timeoutMs);
      this.wallDeadline = Math.round(Date.now() - (performance.now() - started)) + this.timeoutMs;
    }
    return this.wallDeadline;
  }

  listen(signal: AbortSignal): void {
    this.callerSignal = signal;
    this.onCallerAbort = () => this.stop(new InteropError(ErrorCode.CANCELLED, `${this.module.name}.${this.fn.name}: cancelled by the caller`));
    signal.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  onDeadline(): void {
    this.stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${this.module.name}.${this.fn.name}: deadline of ${this.timeoutMs} ms exceeded`));
  }

  succeed(value: unknown): void {
    if (this.settled) return;
    this.finish();
    const result = this.fn.result;
    if (result === undefined) return this.resolve(undefined);
    try {
      result.validate(value); // what encoding the RESPONSE would refuse
    } catch (error) {
      bump(this.counters, 'handler_errors');
      return this.reject(invalidResult(this.fn, error));
    }
    this.resolve(value);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.finish();
    bump(this.counters, 'handler_errors');
    this.reject(handlerError(this.module, this.fn, error));
  }

  private finish(): void {
    this.settled = true;
    deadlines.finish(this);
    if (this.onCallerAbort) this.callerSignal!.removeEventListener('abort', this.onCallerAbort);
  }

  private stop(error: InteropError): void {
    if (this.settled) return;
    this.finish();
    this.abortReason = error;
    this.controller?.abort(error);
    this.reject(error);
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
