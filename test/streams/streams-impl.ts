// The TypeScript implementation of test.streams (streams.interop), shared by the in-process tests
// and by peer.ts, the process the cross-language tests talk to. The generated module is passed in:
// each test generates its own copy.

import { ErrorCode, InteropError } from '../../runtime-ts/src/errors.js';
import type { CallContext } from '../../runtime-ts/src/module.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Generated = any;

export interface StreamStats {
  floodProduced: bigint;
  cancelledAtMs: number;
  cancelCode: number;
  /** Bytes the runtime holds for the caller, when the test can reach the connection. */
  heldBytes: () => number;
}

export function newStats(): StreamStats {
  return { floodProduced: 0n, cancelledAtMs: 0, cancelCode: 0, heldBytes: () => 0 };
}

/** Notes when and how a handler learned that its stream was cancelled. */
function watchCancel(ctx: CallContext, stats: StreamStats): void {
  const note = () => {
    stats.cancelledAtMs = Date.now();
    const reason: unknown = ctx.signal.reason;
    stats.cancelCode = reason instanceof InteropError ? reason.code : ErrorCode.UNKNOWN;
  };
  if (ctx.signal.aborted) note();
  else ctx.signal.addEventListener('abort', note, { once: true });
}

export function chunk(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let j = 0; j < size; j++) data[j] = j % 251;
  return data;
}

export function streamsImpl(gen: Generated, stats: StreamStats) {
  return {
    async upload(strict: boolean, chunks: AsyncIterable<Uint8Array>, ctx: CallContext): Promise<bigint> {
      watchCancel(ctx, stats);
      let total = 0n;
      for await (const c of chunks) {
        if (strict && c.length === 0) throw new gen.Refused({ reason: 'empty chunk' });
        total += BigInt(c.length);
      }
      return total;
    },

    async *download(sizes: number[], ctx: CallContext): AsyncGenerator<Uint8Array> {
      watchCancel(ctx, stats);
      for (const size of sizes) yield chunk(size);
    },

    async *pingPong(lines: AsyncIterable<string>, ctx: CallContext): AsyncGenerator<string> {
      watchCancel(ctx, stats);
      for await (const line of lines) yield `pong ${line}`;
    },

    async *ticks(count: number, end: string, ctx: CallContext): AsyncGenerator<{ n: number; atMs: number }> {
      watchCancel(ctx, stats);
      for (let n = 1; n <= count; n++) yield { n, atMs: Date.now() };
      if (end === 'refused') throw new gen.Refused({ reason: `after ${count}` });
      if (end === 'cancel') throw new InteropError(ErrorCode.CANCELLED, `the callee stopped after ${count}`);
      if (end === 'internal') throw new Error('handler bug');
      if (end === 'bad') yield { n: -1, atMs: Date.now() };
      if (end === 'hang') await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    },

    async *flood(size: number, total: bigint, ctx: CallContext): AsyncGenerator<Uint8Array> {
      watchCancel(ctx, stats);
      stats.floodProduced = 0n;
      const data = chunk(size);
      for (let sent = 0n; sent < total; sent += BigInt(size)) {
        stats.floodProduced++;
        yield data.slice();
      }
    },

    async take(n: number, items: AsyncIterableIterator<number>, ctx: CallContext): Promise<bigint> {
      watchCancel(ctx, stats);
      let sum = 0n;
      for (let i = 0; i < n; i++) {
        const r = await items.next();
        if (r.done === true) break;
        sum += BigInt(r.value);
      }
      return sum;
    },

    stats() {
      return {
        floodProduced: stats.floodProduced,
        heldBytes: BigInt(stats.heldBytes()),
        cancelledAtMs: stats.cancelledAtMs,
        cancelCode: stats.cancelCode,
        rssBytes: BigInt(process.memoryUsage.rss()),
      };
    },
  };
}
