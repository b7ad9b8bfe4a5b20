// The transport interface (docs/transports.md). A transport only moves bytes between two peers
// and reports close; framing, handshake, calls and limits live in Connection, above it. To add a
// bus, implement ByteChannel for one connection and Transport for dialing/listening, then
// registerTransport() it under a URL scheme.

import type { Limits } from '../wire/limits.js';

export interface ChannelHandlers {
  /** Bytes from the peer, in order. The chunk is owned by the receiver afterwards. */
  data(chunk: Uint8Array): void;
  /** The channel is closed (peer closed, process died, error, or destroy()). Called once. */
  close(error?: Error): void;
  /** The channel can take more bytes after a write() returned false. */
  drain(): void;
}

/** One bidirectional byte stream. */
export interface ByteChannel {
  /** Human-readable peer/address, for logs and errors. */
  readonly description: string;
  /** Called once, before any data is delivered. */
  start(handlers: ChannelHandlers): void;
  /**
   * Writes the buffers in order as one batch (one writev where possible). The buffers must not
   * be modified afterwards. Returns false when the transport's buffer is above its high-water
   * mark; `drain` follows when it empties.
   */
  write(chunks: readonly Uint8Array[]): boolean;
  /** Bytes written but not yet handed to the OS (what the transport holds for the peer), if known. */
  buffered?(): number;
  /** Stops / resumes delivering data (backpressure toward the peer). */
  pause(): void;
  resume(): void;
  /** Closes after buffered bytes are written. */
  end(): void;
  /** Closes at once, discarding unsent bytes. */
  destroy(error?: Error): void;
}

export interface Listener {
  /** The bound address in config form (e.g. "tcp://127.0.0.1:40123" when port 0 was asked). */
  readonly address: string;
  close(): Promise<void>;
}

/** What a node tells a transport when it listens: limits, and the web settings of its config. */
export interface ListenOptions {
  /** The node's limits (docs/wire.md §5): a transport that parses its own protocol bounds it by them. */
  limits: Limits;
  /** `web` of the node config: Host and Origin checks, static files (docs/config.md). */
  web?: WebConfig;
  /** `tls` of the node config: certificate and key for wss:// and https:// listeners. */
  tls?: TlsConfig;
  /** `shm` of the node config: the poll of shm: connections (docs/wire.md §9.4). */
  shm?: ShmConfig;
  /** Counts, in the node's health counters (docs/wire.md §7), what the transport refused itself. */
  count?(counter: 'rejected_connections' | 'rejected_handshakes' | 'frame_timeouts'): void;
}

/** What a node tells a transport when it dials. */
export interface ConnectOptions {
  limits: Limits;
  /** A PEM file of certificate authorities to trust, beside the system's (wss://, https://). */
  ca?: string;
  /** `shm` of the node config: the poll of shm: connections (docs/wire.md §9.4). */
  shm?: ShmConfig;
}

export interface ShmConfig {
  /** Microseconds a reader polls its empty ring after traffic before it sleeps (default 50; 0 sleeps at once). */
  spin_us?: number;
}

export interface WebConfig {
  /** Host names (Host header, without port) accepted besides loopback names; "*" accepts any. */
  allowed_hosts?: string[];
  /** Origins (scheme://host[:port]) of web pages allowed besides the listener's own; "*" any. */
  allowed_origins?: string[];
  /** A directory served by GET on http(s) listeners (index.html for "/"). */
  static?: string;
}

export interface TlsConfig {
  /** PEM files. */
  cert: string;
  key: string;
}

export interface Transport {
  /** URL scheme this transport serves: "unix" for "unix:/path", "tcp" for "tcp://h:p". */
  readonly scheme: string;
  connect(address: string, options?: ConnectOptions): Promise<ByteChannel>;
  listen(address: string, accept: (channel: ByteChannel) => void, options?: ListenOptions): Promise<Listener>;
}

/** The scheme of an address: "unix:/x" → "unix", "tcp://h:p" → "tcp", "stdio:" → "stdio". */
export function schemeOf(address: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(address);
  if (!m) throw new Error(`address "${address}" has no scheme (expected e.g. unix:/path or tcp://host:port)`);
  return m[1]!.toLowerCase();
}
