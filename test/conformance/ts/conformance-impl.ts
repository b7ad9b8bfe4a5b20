// The TypeScript implementation of interop.conformance, written against the generated handlers
// interface. Shared by server.ts and by client.ts for the direct transport (where the client's
// own node hosts the module). `unimplemented` is left out on purpose: callers must see
// UNIMPLEMENTED.

import { ErrorCode, InteropError } from '../../../runtime-ts/src/errors.js';
import type { CallContext } from '../../../runtime-ts/src/module.js';
import {
  Busy,
  type ConformanceHandlers,
  type ConformancePublisher,
  Invalid,
  NotFound,
} from './gen/interop.conformance.js';

export type ConformanceImpl = Omit<ConformanceHandlers, 'unimplemented'> & { publisher?: ConformancePublisher };

const identity = <T>(v: T): T => v;

function chunk(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let j = 0; j < size; j++) data[j] = j % 251;
  return data;
}

/** A tick as tick_stream sends it: its number and the producer's wall clock (ms) as text. */
const tick = (n: number) => ({ n, text: String(Date.now()) });

export function conformanceImpl(): ConformanceImpl {
  let count = 0n;
  let lastNote = '';
  const streams = { floodProduced: 0n, cancelledAtMs: 0 };
  /** Notes when a stream handler learns that its stream was cancelled. */
  const watch = (ctx: CallContext) => ctx.signal.addEventListener('abort', () => (streams.cancelledAtMs = Date.now()), { once: true });
  const impl: ConformanceImpl = {
    echoBool: identity,
    echoI8: identity,
    echoI16: identity,
    echoI32: identity,
    echoI64: identity,
    echoU8: identity,
    echoU16: identity,
    echoU32: identity,
    echoU64: identity,
    echoF32: identity,
    echoF64: identity,
    echoString: identity,
    echoBytes: identity,
    echoLevel: identity,
    echoList: identity,
    echoMap: identity,
    echoMaybe: identity,
    echoScalars: identity,
    echoContainers: identity,
    echoOptionals: identity,
    echoShape: identity,
    echoEverything: identity,
    add: (a, b) => a + b,
    nothing: () => undefined,
    fail(kind) {
      if (kind === 'not_found') throw new NotFound({ key: 'missing' });
      if (kind === 'invalid') throw new Invalid({ field: 'kind', reason: 'bad', limit: -(2n ** 63n) });
      if (kind === 'busy') throw new Busy({ retryMs: 2 ** 32 - 1 });
      if (kind === 'internal') throw new TypeError('a plain TypeScript exception');
      return kind;
    },
    slow: (ms: number, ctx: CallContext) =>
      new Promise<number>((resolve, reject) => {
        const timer = setTimeout(() => resolve(ms), ms);
        // Stop waiting when the caller cancels or its deadline passes: nothing is sent anyway.
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(ctx.signal.reason);
        }, { once: true });
      }),
    nextCount: () => ++count,
    note(text) {
      lastNote = text;
    },
    lastNote: () => lastNote,
    publish(n, text) {
      if (!impl.publisher) throw new Error('no publisher: the node does not host interop.conformance');
      for (let i = 1; i <= n; i++) impl.publisher.ticked({ n: i, text });
      impl.publisher.pinged();
    },
    async upload(chunks) {
      let total = 0n;
      for await (const c of chunks) total += BigInt(c.length);
      return total;
    },
    async *download(sizes) {
      for (const size of sizes) yield chunk(size);
    },
    async *pingPong(lines) {
      for await (const line of lines) yield `pong ${line}`;
    },
    async *tickStream(n, end, ctx) {
      watch(ctx);
      for (let i = 1; i <= n; i++) yield tick(i);
      if (end === 'busy') throw new Busy({ retryMs: n });
      if (end === 'cancel') throw new InteropError(ErrorCode.CANCELLED, `the callee stopped after ${n}`);
      if (end === 'hang') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    },
    async *flood(size, total, ctx) {
      watch(ctx);
      streams.floodProduced = 0n;
      const data = chunk(size);
      for (let sent = 0n; sent < total; sent += BigInt(size)) {
        streams.floodProduced++;
        yield data;
      }
    },
    streamStats: () => ({ ...streams }),
    async *dieMidStream(n) {
      for (let i = 1; i <= n; i++) yield tick(i);
      // Let those ticks reach the socket, then die as a crash would: no GOODBYE, no close.
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.kill(process.pid, 'SIGKILL');
    },
  };
  return impl;
}
