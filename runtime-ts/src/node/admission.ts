// Which connections a listener takes (docs/wire.md §5.1): at most `max_connections` open at once.
// One more is told RESOURCE_EXHAUSTED at once, without waiting for its HELLO, and closed, so a
// flood of connections cannot take a node's file descriptors and memory; the ones already open
// are served as before.

import { ErrorCode } from '../errors.js';
import type { ByteChannel } from '../transport/types.js';
import { encodeEnvelope } from '../wire/envelope.js';
import { CodecId, FrameKind, encodeFrame } from '../wire/frame.js';

/** How long a refused peer gets to read the ERROR and close before its connection is destroyed. */
const REFUSED_LINGER_MS = 1000;

/** The open connections of one listener. */
export class ListenerSlots {
  private open = 0;
  /** The listener's bound address, for the refusal message (known once it listens). */
  address = '';

  constructor(readonly max: number) {}

  /** Takes a slot for a new connection; false when `max` are open. */
  take(): boolean {
    if (this.open >= this.max) return false;
    this.open++;
    return true;
  }

  release(): void {
    this.open--;
  }

  get refusal(): string {
    return `listener ${this.address} has max_connections (${this.max}) connections open`;
  }
}

/** Writes one connection-level ERROR (RESOURCE_EXHAUSTED) and closes the channel. */
export function refuseConnection(channel: ByteChannel, message: string): void {
  const payload = encodeEnvelope({ code: ErrorCode.RESOURCE_EXHAUSTED, message }, 'json');
  const timer = setTimeout(() => channel.destroy(), REFUSED_LINGER_MS);
  timer.unref();
  // What the peer sends is not read: it is dropped until the peer closes or the timer does.
  channel.start({ data: () => undefined, close: () => clearTimeout(timer), drain: () => undefined });
  channel.write([encodeFrame({ kind: FrameKind.ERROR, codec: CodecId.json, flags: 0, correlation: 0, timeoutMs: 0, target: '', payload })]);
  channel.end();
}
