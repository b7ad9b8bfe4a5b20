// What generated code hands to the runtime: one descriptor per module, with a codec per payload.
// The runtime (connections, node host, control channel) works only through these types, so it
// never needs to know a schema; generated code never needs to know a transport.

import type { ApplicationError } from './errors.js';
import type { ItemSource } from './node/stream-items.js';

export type { ItemSource } from './node/stream-items.js';

/** The payload codecs of docs/wire.md §3; `protobuf` and `flatbuffers` are what generated code supports (ADR 0028). */
export type CodecName = 'json' | 'msgpack' | 'protobuf' | 'flatbuffers';

/** Decoding limits from docs/wire.md §5 that a codec needs. */
export interface DecodeLimits {
  maxDepth: number;
}

/** Encodes and decodes one payload type, in every codec. Generated per type, no reflection. */
export interface PayloadCodec<T> {
  /**
   * Throws the InteropError(INVALID_ARGUMENT) that `encode` would throw for `value`, without
   * encoding: the direct transport checks every value with it (docs/wire.md §3.4).
   */
  validate(value: T): void;
  encode(value: T, codec: CodecName): Uint8Array;
  /** Throws InteropError(INVALID_ARGUMENT or RESOURCE_EXHAUSTED) on bad input. */
  decode(bytes: Uint8Array, codec: CodecName, limits: DecodeLimits): T;
}

export interface ErrorDescriptor {
  /** Qualified IDL name, e.g. "example.chat.NotFound". */
  name: string;
  /** Encodes the error's fields as the envelope's `detail` (docs/wire.md §4). */
  codec: PayloadCodec<ApplicationError>;
}

export interface FunctionDescriptor {
  /** IDL name, as on the wire (target = module + "." + name). */
  name: string;
  /** 'stream': with `input` (a client stream), `output` (a server stream) or both (docs/wire.md §1.5). */
  kind: 'call' | 'oneway' | 'stream';
  /** The parameters, positional, in declaration order, encoded as the params struct (a stream's stream parameter is not one). */
  params: PayloadCodec<unknown[]>;
  /** Absent when the function has no result: the RESPONSE payload is then empty. */
  result?: PayloadCodec<unknown>;
  /** A stream's items from the caller. */
  input?: PayloadCodec<unknown>;
  /** A stream's items from the callee. */
  output?: PayloadCodec<unknown>;
  /** Qualified names of declared error types, keys into ModuleDescriptor.errors. */
  throws: string[];
  /** Name of the implementation method on the handler object (language-renamed). */
  method: string;
}

export interface EventDescriptor {
  name: string;
  /** Absent when the event has no payload. */
  payload?: PayloadCodec<unknown>;
}

export interface ModuleDescriptor {
  name: string;
  version: string;
  fingerprint: string;
  functions: Record<string, FunctionDescriptor>;
  events: Record<string, EventDescriptor>;
  /** Every error type any function may throw, by qualified name. */
  errors: Record<string, ErrorDescriptor>;
  /** The module's IR (docs/ir.md), served by the control channel's manifest. */
  ir: unknown;
  /**
   * Descriptors of the modules this one imports (generated code lists them all), so a node can
   * serve a complete IR bundle: its modules' types may refer to theirs.
   */
  imports?: ModuleDescriptor[];
}

/** Passed as the last argument to every handler method. */
export interface CallContext {
  /** Aborted when the caller cancels, the deadline passes, or the connection closes. */
  signal: AbortSignal;
  /** Absolute deadline (Date.now() scale), or undefined when there is none. */
  deadline?: number;
  /** Name of the calling node, from its HELLO, or "local" for a direct call. */
  peer: string;
}

export interface CallOptions {
  /** Relative timeout in ms; defaults to the node's default_deadline_ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Subscription {
  unsubscribe(): Promise<void>;
  /** Events dropped by the queue policy for this subscription so far. */
  readonly dropped: number;
}

/**
 * The caller's end of a stream (docs/ts.md "Streams"): an async iterator over the callee's items
 * (a server or bidirectional stream), and the callee's answer (a client stream's result). The
 * stream starts when it is first read.
 */
export interface StreamCall<T = unknown, R = unknown> extends AsyncIterableIterator<T> {
  result(): Promise<R>;
}

/**
 * How a generated client stub reaches its module: the same interface for a direct in-process
 * call and for any transport. Implemented by the runtime.
 */
export interface Invoker {
  call(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], options?: CallOptions): Promise<unknown>;
  oneway(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[]): void;
  /**
   * A stream function (docs/ts.md "Streams"): `input` is the caller's items (a client or
   * bidirectional stream). The stream starts when the returned StreamCall is first read.
   */
  stream(module: ModuleDescriptor, fn: FunctionDescriptor, args: unknown[], input: ItemSource<unknown> | undefined, options?: CallOptions): StreamCall;
  subscribe(
    module: ModuleDescriptor,
    event: EventDescriptor,
    handler: (payload: unknown) => void | Promise<void>,
  ): Promise<Subscription>;
}

/**
 * How generated server code publishes events: the runtime fans them out to local and remote
 * subscribers.
 */
export interface Publisher {
  publish(module: ModuleDescriptor, event: EventDescriptor, payload: unknown): void;
}
