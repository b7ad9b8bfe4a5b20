// The transport interface (docs/transports.md). A transport only moves bytes between two peers
// and reports close; framing, handshake, calls and limits live in Connection, above it. To add a
// bus, implement ByteChannel for one connection and Transport for dialing/listening, then
// registerTransport() it under a URL scheme.

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

export interface Transport {
  /** URL scheme this transport serves: "unix" for "unix:/path", "tcp" for "tcp://h:p". */
  readonly scheme: string;
  connect(address: string): Promise<ByteChannel>;
  listen(address: string, accept: (channel: ByteChannel) => void): Promise<Listener>;
}

/** The scheme of an address: "unix:/x" → "unix", "tcp://h:p" → "tcp", "stdio:" → "stdio". */
export function schemeOf(address: string): string {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(address);
  if (!m) throw new Error(`address "${address}" has no scheme (expected e.g. unix:/path or tcp://host:port)`);
  return m[1]!.toLowerCase();
}
