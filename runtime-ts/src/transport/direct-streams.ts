// Streams in process (docs/wire.md §8): the caller's CallerStream and the handler meet with no
// encoding and no frames, through the same ItemInbox / ItemPump pair as over a connection, so the
// same credit (stream_window items ahead of each consumer), the same ends and the same errors
// apply: a declared error reaches the caller as itself after the items before it, anything else
// as INTERNAL, a CANCELLED from the handler as CANCELLED; the caller's cancel, a consumer that
// stops reading and the deadline cancel the handler (ctx.signal, and its input fails). Values get
// the checks an encoder makes (docs/wire.md §3.4): parameters and the caller's items are refused
// with INVALID_ARGUMENT, the handler's items and result end the stream with INTERNAL.

import { ErrorCode, InteropError } from '../errors.js';
import type { CallContext, CallOptions, FunctionDescriptor, ModuleDescriptor } from '../module.js';
import { handlerError, invalidItem, invalidResult } from '../node/call-errors.js';
import { Deadline, deadlines, timeoutDelay } from '../node/deadlines.js';
import { invoke } from '../node/serve.js';
import { bump, type Counters } from '../node/services.js';
import { CallerStream, type StreamEngine } from '../node/stream-call.js';
import { ItemInbox, ItemPump, type ItemSink, type ItemSource } from '../node/stream-items.js';
import type { Limits } from '../wire/limits.js';

/** In process nothing waits for a channel: a sink always takes the item at once. */
function sink<T>(send: (item: T) => void, end: () => void, fail: (error: unknown) => void): ItemSink<T> {
  return { ready: () => true, whenReady: () => undefined, send, end, fail };
}

export function directStream(
  module: ModuleDescriptor,
  fn: FunctionDescriptor,
  method: (...args: unknown[]) => unknown,
  handlers: object,
  args: unknown[],
  input: ItemSource<unknown> | undefined,
  options: CallOptions | undefined,
  limits: Limits,
  counters: Counters,
): CallerStream {
  const label = `${module.name}.${fn.name}`;
  return new CallerStream(label, fn.output !== undefined, (call) =>
    new DirectStream(call, label, module, fn, options?.timeoutMs ?? limits.defaultDeadlineMs, limits.streamWindow, counters).start(method, handlers, args, input, options?.signal),
  );
}

class DirectStream extends Deadline implements StreamEngine, CallContext {
  readonly peer = 'local';
  private finished = false;
  private controller: AbortController | undefined;
  private abortReason: InteropError | undefined;
  private wallDeadline: number | undefined;
  private callerSignal: AbortSignal | undefined;
  /** The caller's items as the handler reads them, and the pump that feeds them. */
  private handlerInput: ItemInbox<unknown> | undefined;
  private inputPump: ItemPump<unknown> | undefined;
  /** The pump that takes the handler's items to the caller's CallerStream. */
  private outputPump: ItemPump<unknown> | undefined;
  private earlyCredit = 0;

  constructor(
    private readonly call: CallerStream,
    private readonly label: string,
    private readonly module: ModuleDescriptor,
    private readonly fn: FunctionDescriptor,
    private readonly timeoutMs: number,
    private readonly window: number,
    private readonly counters: Counters,
  ) {
    super();
  }

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get deadline(): number {
    if (this.wallDeadline === undefined) {
      const started = this.expiresAt - timeoutDelay(this.timeoutMs);
      this.wallDeadline = Math.round(Date.now() - (performance.now() - started)) + this.timeoutMs;
    }
    return this.wallDeadline;
  }

  start(method: (...args: unknown[]) => unknown, handlers: object, args: unknown[], input: ItemSource<unknown> | undefined, signal: AbortSignal | undefined): void {
    const call = this.call;
    if (signal?.aborted) return call.finish(new InteropError(ErrorCode.CANCELLED, `${this.label}: cancelled before it was sent`), undefined, true);
    try {
      this.fn.params.validate(args); // what encoding the REQUEST would refuse
    } catch (error) {
      return call.finish(error as InteropError, undefined, true);
    }
    call.attach(this, this.window, (n) => this.grantOutput(n));
    deadlines.add(this, this.timeoutMs);
    if (signal) {
      this.callerSignal = signal;
      signal.addEventListener('abort', this, { once: true });
    }
    if (this.fn.input) {
      const inbox = new ItemInbox<unknown>(this.window, (n) => this.inputPump!.grant(n));
      const itemType = this.fn.input;
      this.handlerInput = inbox;
      this.inputPump = new ItemPump(
        input ?? [],
        sink(
          (item) => {
            itemType.validate(item); // what encoding the STREAM_ITEM would refuse: INVALID_ARGUMENT, to fail()
            inbox.push(item);
          },
          () => inbox.end(),
          (error) => this.stop(error instanceof InteropError ? error : new InteropError(ErrorCode.CANCELLED, `${this.label}: the input failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
        ),
      );
      inbox.open();
    }
    call.output?.open();
    let result: unknown;
    try {
      result = invoke(method, handlers, this.handlerInput ? [...args, this.handlerInput] : args, this);
    } catch (error) {
      return this.fail(error);
    }
    if (!this.fn.output) {
      Promise.resolve(result).then(
        (value) => this.succeed(value),
        (error: unknown) => this.fail(error),
      );
      return;
    }
    Promise.resolve(result).then(
      (source) => this.startOutput(source),
      (error: unknown) => this.fail(error),
    );
  }

  private startOutput(source: unknown): void {
    if (source === null || typeof source !== 'object' || !(Symbol.asyncIterator in source || Symbol.iterator in source)) {
      return this.fail(new Error('the handler of a server stream returned no iterable'));
    }
    const output = this.call.output!;
    const itemType = this.fn.output!;
    this.outputPump = new ItemPump(
      source as ItemSource<unknown>,
      sink(
        (item) => {
          try {
            itemType.validate(item); // what encoding the STREAM_ITEM would refuse
          } catch (error) {
            return this.failWith(invalidItem(this.fn, error));
          }
          output.push(item);
        },
        () => this.succeed(undefined),
        (error) => this.fail(error),
      ),
    );
    if (this.finished) return this.outputPump.stop();
    if (this.earlyCredit > 0) this.outputPump.grant(this.earlyCredit);
  }

  /** The caller's consumer took items: the handler may produce that many more. */
  private grantOutput(n: number): void {
    if (this.outputPump !== undefined) this.outputPump.grant(n);
    else this.earlyCredit += n;
  }

  /** The caller's signal fired. */
  handleEvent(): void {
    this.stop(new InteropError(ErrorCode.CANCELLED, `${this.label}: cancelled by the caller`));
  }

  onDeadline(): void {
    this.stop(new InteropError(ErrorCode.DEADLINE_EXCEEDED, `${this.label}: deadline of ${this.timeoutMs} ms exceeded`));
  }

  /** StreamEngine: the caller's consumer stopped reading (no error). */
  cancel(error: InteropError | undefined): void {
    this.stop(error ?? new InteropError(ErrorCode.CANCELLED, `${this.label}: the caller stopped reading`));
  }

  private succeed(value: unknown): void {
    if (this.finished) return;
    const result = this.fn.result;
    if (result !== undefined) {
      try {
        result.validate(value); // what encoding the RESPONSE would refuse
      } catch (error) {
        return this.failWith(invalidResult(this.fn, error));
      }
    }
    this.end(undefined);
    this.call.finish(undefined, result ? value : undefined);
  }

  private fail(error: unknown): void {
    this.failWith(handlerError(this.module, this.fn, error));
  }

  private failWith(error: InteropError): void {
    if (this.finished) return;
    bump(this.counters, 'handler_errors');
    this.end(undefined);
    this.call.finish(error);
  }

  /** Ends the stream for a reason of the caller's: the handler is cancelled. */
  private stop(error: InteropError): void {
    if (this.finished) return;
    this.abortReason = error;
    this.end(error);
    this.controller?.abort(error);
    this.call.finish(error, undefined, true);
  }

  private end(reason: InteropError | undefined): void {
    this.finished = true;
    deadlines.finish(this);
    this.callerSignal?.removeEventListener('abort', this);
    this.handlerInput?.fail(reason ?? new InteropError(ErrorCode.CANCELLED, `${this.label}: the stream is over`), true);
    this.inputPump?.stop();
    this.outputPump?.stop();
  }
}
