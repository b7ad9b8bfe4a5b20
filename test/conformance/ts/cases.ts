// Runs one case of cases.json (format: test/conformance/README.md) with the generated client.
// Arguments are decoded and results encoded with the generated JSON codecs, so a case compares
// canonical JSON text, exactly as every other language's client does.

import { ApplicationError, errorCodeName, InteropError } from '../../../runtime-ts/src/errors.js';
import type { CallOptions, FunctionDescriptor, Invoker, Subscription } from '../../../runtime-ts/src/module.js';
import { ConformanceClient, ConformanceModule as M } from './gen/interop.conformance.js';

export interface Case {
  name: string;
  kind: 'call' | 'oneway' | 'events' | 'concurrent' | 'big_echo' | 'client_stream' | 'server_stream' | 'ping_pong' | 'ticks' | 'cancel_by_caller' | 'flood' | 'refused_stream';
  function: string;
  args: string;
  result?: string | null;
  error?: { code: string; type?: string; detail?: string };
  timeout_ms?: number;
  then?: { function: string; args: string; result: string };
  subscribe?: string[];
  events?: Array<{ event: string; payload: string | null }>;
  calls?: number;
  length?: number;
  quick?: boolean;
  transports?: string[];
  sizes?: number[];
  lines?: string[];
  count?: number;
  within_ms?: number;
  read?: number;
  window?: number;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();
const LIMITS = { maxDepth: 64 };

function fn(name: string): FunctionDescriptor {
  const f = M.functions[name];
  if (!f) throw new Error(`no function ${name} in ${M.name}`);
  return f;
}

function decodeArgs(name: string, args: string): unknown[] {
  return fn(name).params.decode(utf8.encode(args || '{}'), 'json', LIMITS);
}

/** The canonical JSON of a result, or null for a function without one. */
function resultJson(name: string, value: unknown): string | null {
  const codec = fn(name).result;
  return codec ? text.decode(codec.encode(value, 'json')) : null;
}

/** Calls through the generated client method, whose name the descriptor gives. */
function invoke(client: ConformanceClient, name: string, args: unknown[], options?: CallOptions): Promise<unknown> {
  const method = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[fn(name).method];
  if (typeof method !== 'function') throw new Error(`generated client has no method ${fn(name).method}`);
  return method.call(client, ...args, ...(options ? [options] : []));
}

function checkError(want: NonNullable<Case['error']>, err: unknown): string | undefined {
  if (!(err instanceof InteropError)) return `expected ${want.code}, got a non-interop error: ${String(err)}`;
  if (errorCodeName(err.code) !== want.code) return `expected ${want.code}, got ${errorCodeName(err.code)}: ${err.message}`;
  if (want.code !== 'APPLICATION_ERROR') return undefined;
  const desc = M.errors[want.type!];
  if (!(err instanceof ApplicationError) || err.errorType !== want.type || !desc) {
    return `expected an instance of ${want.type}, got ${err.constructor.name}`;
  }
  const detail = text.decode(desc.codec.encode(err, 'json'));
  return detail === want.detail ? undefined : `detail ${detail} != ${want.detail}`;
}

async function runCall(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const args = decodeArgs(c.function, c.args);
  let value: unknown;
  try {
    value = await invoke(client, c.function, args, c.timeout_ms !== undefined ? { timeoutMs: c.timeout_ms } : undefined);
  } catch (err) {
    if (c.error) return checkError(c.error, err);
    return `unexpected error: ${err instanceof InteropError ? `${errorCodeName(err.code)}: ${err.message}` : String(err)}`;
  }
  if (c.error) return `expected ${c.error.code}, got a result`;
  const got = resultJson(c.function, value);
  return got === (c.result ?? null) ? undefined : `result ${clip(got)} != ${clip(c.result ?? null)}`;
}

async function runOneway(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const oneway = (client as unknown as Record<string, (...a: unknown[]) => void>)[fn(c.function).method]!;
  oneway.call(client, ...decodeArgs(c.function, c.args));
  const then = c.then!;
  const deadline = Date.now() + 5000;
  let got: string | null = null;
  while (Date.now() < deadline) {
    got = resultJson(then.function, await invoke(client, then.function, decodeArgs(then.function, then.args)));
    if (got === then.result) return undefined;
    await new Promise((r) => setTimeout(r, 20));
  }
  return `after the oneway call, ${then.function} returned ${got}, want ${then.result}`;
}

async function runEvents(client: ConformanceClient, invoker: Invoker, c: Case): Promise<string | undefined> {
  const want = c.events!;
  const seen: Array<{ event: string; payload: string | null }> = [];
  let allSeen!: () => void;
  const done = new Promise<void>((r) => (allSeen = r));
  const subs: Subscription[] = [];
  try {
    for (const name of c.subscribe!) {
      const event = M.events[name]!;
      subs.push(
        await invoker.subscribe(M, event, (payload) => {
          seen.push({ event: name, payload: event.payload ? text.decode(event.payload.encode(payload, 'json')) : null });
          if (seen.length >= want.length) allSeen();
        }),
      );
    }
    const problem = await runCall(client, c);
    if (problem) return problem;
    const timedOut = await Promise.race([done.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), 5000).unref())]);
    // Order is promised per subscription, not across two of them (a direct node delivers each
    // subscription from its own queue), so compare the sequence of each event separately.
    const perEvent = (list: typeof seen) => c.subscribe!.map((name) => JSON.stringify(list.filter((e) => e.event === name)));
    const same = seen.length === want.length && perEvent(seen).every((s, i) => s === perEvent(want)[i]);
    if (timedOut || !same) return `events ${JSON.stringify(seen)} != ${JSON.stringify(want)}`;
    return undefined;
  } finally {
    for (const s of subs) await s.unsubscribe();
  }
}

async function runConcurrent(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const args = decodeArgs(c.function, c.args);
  const results = await Promise.all(Array.from({ length: c.calls! }, () => invoke(client, c.function, args)));
  const values = results.map((v) => BigInt(v as bigint)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const consecutive = values.every((v, i) => v === values[0]! + BigInt(i));
  return consecutive ? undefined : `results are not distinct and consecutive: ${values.slice(0, 5).join(', ')}…`;
}

async function runBigEcho(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const data = new Uint8Array(c.length!);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  const got = (await invoke(client, c.function, [data])) as Uint8Array;
  const same = got.length === data.length && got.every((b, i) => b === data[i]);
  return same ? undefined : `echo of ${data.length} bytes differs (got ${got.length} bytes)`;
}

function chunk(size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = i % 251;
  return data;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** A stream method of the generated client, called with the case's decoded arguments. */
function openStream<T>(client: ConformanceClient, c: Case, extra: unknown[] = [], options?: CallOptions): T {
  const method = (client as unknown as Record<string, (...a: unknown[]) => T>)[fn(c.function).method]!;
  return method.call(client, ...decodeArgs(c.function, c.args), ...extra, ...(options ? [options] : []));
}

async function runClientStream(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const got = resultJson(c.function, await openStream<Promise<unknown>>(client, c, [c.sizes!.map(chunk)]));
  return got === c.result ? undefined : `result ${got} != ${c.result}`;
}

async function runServerStream(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const got: Uint8Array[] = [];
  for await (const item of openStream<AsyncIterable<Uint8Array>>(client, c)) got.push(item);
  const sizes = got.map((g) => g.length);
  if (JSON.stringify(sizes) !== JSON.stringify(c.sizes)) return `chunk sizes ${JSON.stringify(sizes)} != ${JSON.stringify(c.sizes)}`;
  return got.every((g) => sameBytes(g, chunk(g.length))) ? undefined : 'a chunk has the wrong bytes';
}

async function runPingPong(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const lines = c.lines!;
  let answered!: () => void;
  async function* input() {
    for (const line of lines) {
      yield line;
      await new Promise<void>((r) => (answered = r)); // the next line only after this one's answer
    }
  }
  const answers: string[] = [];
  for await (const answer of openStream<AsyncIterable<string>>(client, c, [input()])) {
    answers.push(answer);
    answered();
  }
  const want = lines.map((l) => `pong ${l}`);
  return JSON.stringify(answers) === JSON.stringify(want) ? undefined : `answers ${clip(JSON.stringify(answers))} != ${clip(JSON.stringify(want))}`;
}

/** Ticks 1 … count, then the case's error (or a clean end), within_ms after the last tick when set. */
async function runTicks(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const ticks: Array<{ n: number; text: string }> = [];
  let error: unknown;
  try {
    const options = c.timeout_ms !== undefined ? { timeoutMs: c.timeout_ms } : undefined;
    for await (const t of openStream<AsyncIterable<{ n: number; text: string }>>(client, c, [], options)) ticks.push(t);
  } catch (e) {
    error = e;
  }
  const learnedAt = Date.now();
  const ns = ticks.map((t) => t.n);
  if (JSON.stringify(ns) !== JSON.stringify(Array.from({ length: c.count! }, (_, i) => i + 1))) return `ticks ${JSON.stringify(ns)}, want 1…${c.count}`;
  if (!c.error) return error === undefined ? undefined : `unexpected error after the ticks: ${String(error)}`;
  if (error === undefined) return `expected ${c.error.code} after the ticks, the stream ended`;
  const problem = checkError(c.error, error);
  if (problem) return problem;
  const took = learnedAt - Number(ticks[ticks.length - 1]!.text);
  return c.within_ms === undefined || took < c.within_ms ? undefined : `learned of it ${took} ms after the last tick (bound ${c.within_ms} ms)`;
}

/** A stream over a transport that does not carry streams: the case's error, and no item. */
async function runRefusedStream(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const f = fn(c.function);
  try {
    const opened = openStream<AsyncIterable<unknown> | Promise<unknown>>(client, c, f.input ? [(async function* () {})()] : []);
    if (f.output) {
      for await (const _ of opened as AsyncIterable<unknown>) return 'an item arrived';
    } else {
      await opened;
    }
  } catch (error) {
    return checkError(c.error!, error);
  }
  return `expected ${c.error!.code}, the stream ended`;
}

async function streamStats(client: ConformanceClient): Promise<{ floodProduced: bigint; cancelledAtMs: number }> {
  return (await invoke(client, 'stream_stats', [])) as { floodProduced: bigint; cancelledAtMs: number };
}

async function runCancelByCaller(client: ConformanceClient, c: Case): Promise<string | undefined> {
  let stoppedAt = 0;
  for await (const t of openStream<AsyncIterable<{ n: number }>>(client, c)) {
    if (t.n === c.count) {
      stoppedAt = Date.now();
      break;
    }
  }
  for (const end = Date.now() + 5000; Date.now() < end; await new Promise((r) => setTimeout(r, 5))) {
    const { cancelledAtMs } = await streamStats(client);
    if (cancelledAtMs >= stoppedAt) {
      const took = cancelledAtMs - stoppedAt;
      return took < c.within_ms! ? undefined : `the callee learned of the cancel ${took} ms later (bound ${c.within_ms} ms)`;
    }
  }
  return 'the callee never learned that the stream was cancelled';
}

async function runFlood(client: ConformanceClient, c: Case): Promise<string | undefined> {
  const items = openStream<AsyncIterableIterator<Uint8Array>>(client, c);
  const read = c.read!;
  const window = c.window!;
  try {
    for (let i = 0; i < read; i++) await items.next();
    // The producer runs on as far as credit lets it: at least half a window ahead (however long
    // that takes on a loaded machine), and, given time, never more than a window.
    let produced = 0;
    for (const end = Date.now() + 10_000; Date.now() < end && produced < read + window / 2; await new Promise((r) => setTimeout(r, 20))) {
      produced = Number((await streamStats(client)).floodProduced);
    }
    await new Promise((r) => setTimeout(r, 300));
    produced = Number((await streamStats(client)).floodProduced);
    if (produced > read + window || produced < read + window / 2) return `the producer made ${produced} items with ${read} read and a window of ${window}`;
    for (let i = 0; i < window; i++) if ((await items.next()).done === true) return 'the stream ended early';
    return undefined;
  } finally {
    await items.return?.();
  }
}

export function runCase(client: ConformanceClient, invoker: Invoker, c: Case): Promise<string | undefined> {
  switch (c.kind) {
    case 'client_stream':
      return runClientStream(client, c);
    case 'server_stream':
      return runServerStream(client, c);
    case 'ping_pong':
      return runPingPong(client, c);
    case 'ticks':
      return runTicks(client, c);
    case 'cancel_by_caller':
      return runCancelByCaller(client, c);
    case 'flood':
      return runFlood(client, c);
    case 'refused_stream':
      return runRefusedStream(client, c);
    case 'call':
      return runCall(client, c);
    case 'oneway':
      return runOneway(client, c);
    case 'events':
      return runEvents(client, invoker, c);
    case 'concurrent':
      return runConcurrent(client, c);
    case 'big_echo':
      return runBigEcho(client, c);
  }
}

function clip(s: string | null): string {
  return s === null ? 'null' : s.length > 200 ? `${s.slice(0, 200)}… (${s.length} chars)` : s;
}
