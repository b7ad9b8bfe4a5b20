// Incremental frame decoder (docs/wire.md §1). It buffers the chunks of a byte stream and yields
// a frame only once all its bytes have arrived: a declared length is checked against the limit as
// soon as its 4 bytes are in, and never used to allocate before the bytes are there.

import { ErrorCode, InteropError } from '../errors.js';
import {
  type CodecId,
  type Frame,
  type FrameKind,
  FIXED_HEADER_BYTES,
  LENGTH_BYTES,
  PREFIX_BYTES,
  isKnownKind,
  isSupportedCodec,
} from './frame.js';

/** Every class of malformed input the decoder reports. */
export type FrameErrorReason =
  | 'truncated' // the stream ended inside a frame
  | 'oversized' // length > max_frame_bytes
  | 'short_length' // length < 14 (includes 0)
  | 'target_past_end' // target_len runs past length
  | 'target_too_long' // target_len > max_target_bytes
  | 'bad_target' // target is not valid UTF-8
  | 'unknown_kind'
  | 'unknown_codec'
  | 'foreign_peer' // the peer answered a HELLO with something else than interop frames
  | 'text_message' // a WebSocket text message: frames travel in binary messages
  | 'shm_ring'; // impossible shared-memory ring indices (docs/wire.md §9.3)

/**
 * A malformed frame. `fatal` errors mean the stream can no longer be delimited: the receiver
 * sends one connection-level ERROR and closes. Other errors concern one complete frame: the
 * receiver answers its correlation id and goes on.
 */
export class FrameError extends InteropError {
  readonly reason: FrameErrorReason;
  readonly fatal: boolean;
  /** Correlation id of the offending frame, 0 when unknown or connection-level. */
  readonly correlation: number;
  /** Kind, codec and target of the offending frame when they were readable. */
  readonly kind: number;
  readonly codec: number;
  readonly flags: number;
  readonly target: string;
  constructor(
    reason: FrameErrorReason,
    code: number,
    message: string,
    info: { fatal: boolean; correlation?: number; kind?: number; codec?: number; flags?: number; target?: string },
  ) {
    super(code, message);
    this.reason = reason;
    this.fatal = info.fatal;
    this.correlation = info.correlation ?? 0;
    this.kind = info.kind ?? 0;
    this.codec = info.codec ?? 0;
    this.flags = info.flags ?? 0;
    this.target = info.target ?? '';
  }
}

export interface FrameDecoderLimits {
  maxFrameBytes: number;
  maxTargetBytes: number;
}

export type Decoded = Frame | FrameError;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export class FrameDecoder {
  private readonly chunks: Uint8Array[] = [];
  /** Read offset into chunks[0]. */
  private offset = 0;
  private buffered = 0;
  private failure: FrameError | undefined;
  /** The last target decoded and its bytes: a connection sees the same few targets over and over. */
  private lastTarget = '';
  private lastTargetBytes: Uint8Array = new Uint8Array(0);

  constructor(private readonly limits: FrameDecoderLimits) {}

  /** Bytes received but not yet part of a returned frame. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** The fatal error that stopped this decoder, if any. */
  get failed(): FrameError | undefined {
    return this.failure;
  }

  /**
   * Adds bytes and returns every item now complete, in order. After a fatal error the decoder
   * returns it once and ignores all later input.
   */
  push(chunk: Uint8Array): Decoded[] {
    if (this.failure) return [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Decoded[] = [];
    for (;;) {
      const item = this.next();
      if (!item) break;
      out.push(item);
      if (item instanceof FrameError && item.fatal) break;
    }
    return out;
  }

  /** Drops what is buffered and ignores later input: the connection is closing for another reason. */
  stop(): void {
    this.fail(new FrameError('truncated', ErrorCode.PROTOCOL_ERROR, 'decoder stopped', { fatal: true }));
  }

  /** Called at end of stream: reports a frame cut short, if bytes are left over. */
  end(): FrameError | undefined {
    if (this.failure || this.buffered === 0) return undefined;
    return this.fail(
      new FrameError('truncated', ErrorCode.PROTOCOL_ERROR, `stream ended inside a frame (${this.buffered} bytes left)`, { fatal: true }),
    );
  }

  private next(): Decoded | undefined {
    if (this.buffered < LENGTH_BYTES) return undefined;
    const lenBytes = this.peek(LENGTH_BYTES);
    const length = (lenBytes[0]! | (lenBytes[1]! << 8) | (lenBytes[2]! << 16)) + lenBytes[3]! * 0x1000000;
    if (length < FIXED_HEADER_BYTES) {
      return this.fail(new FrameError('short_length', ErrorCode.PROTOCOL_ERROR, `frame length ${length} is below the 14-byte header`, { fatal: true }));
    }
    if (length > this.limits.maxFrameBytes) {
      return this.fail(
        new FrameError('oversized', ErrorCode.RESOURCE_EXHAUSTED, `frame length ${length} exceeds max_frame_bytes ${this.limits.maxFrameBytes}`, { fatal: true }),
      );
    }
    if (this.buffered < PREFIX_BYTES) return undefined;
    const first = this.chunks[0]!;
    // The header is usually in the first chunk: read it in place (no view, no DataView).
    const h = first.length - this.offset >= PREFIX_BYTES ? first : this.peek(PREFIX_BYTES);
    const o = h === first ? this.offset : 0;
    const kind = h[o + 4]!;
    const codec = h[o + 5]!;
    const flags = h[o + 6]! | (h[o + 7]! << 8);
    const correlation = (h[o + 8]! | (h[o + 9]! << 8) | (h[o + 10]! << 16)) + h[o + 11]! * 0x1000000;
    const timeoutMs = (h[o + 12]! | (h[o + 13]! << 8) | (h[o + 14]! << 16)) + h[o + 15]! * 0x1000000;
    const targetLen = h[o + 16]! | (h[o + 17]! << 8);
    if (targetLen > length - FIXED_HEADER_BYTES) {
      return this.fail(
        new FrameError('target_past_end', ErrorCode.PROTOCOL_ERROR, `target_len ${targetLen} runs past frame length ${length}`, { fatal: true, correlation, kind, codec }),
      );
    }
    const total = LENGTH_BYTES + length;
    if (this.buffered < total) return undefined;
    const bytes = this.take(total);
    const info = { fatal: false, correlation, kind, codec, flags };
    if (targetLen > this.limits.maxTargetBytes) {
      return new FrameError('target_too_long', ErrorCode.RESOURCE_EXHAUSTED, `target_len ${targetLen} exceeds max_target_bytes ${this.limits.maxTargetBytes}`, info);
    }
    let target: string;
    if (targetLen === 0) target = '';
    else if (this.sameAsLastTarget(bytes, targetLen)) target = this.lastTarget;
    else {
      try {
        target = strictUtf8.decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + targetLen));
      } catch {
        return new FrameError('bad_target', ErrorCode.PROTOCOL_ERROR, 'frame target is not valid UTF-8', info);
      }
      this.lastTarget = target;
      this.lastTargetBytes = bytes.slice(PREFIX_BYTES, PREFIX_BYTES + targetLen);
    }
    if (!isKnownKind(kind)) {
      return new FrameError('unknown_kind', ErrorCode.PROTOCOL_ERROR, `unknown frame kind ${kind}`, { ...info, target });
    }
    if (!isSupportedCodec(codec)) {
      return new FrameError('unknown_codec', ErrorCode.PROTOCOL_ERROR, `unknown or unsupported codec ${codec}`, { ...info, target });
    }
    return {
      kind: kind as FrameKind,
      codec: codec as CodecId,
      flags,
      correlation,
      timeoutMs,
      target,
      payload: bytes.subarray(PREFIX_BYTES + targetLen),
    };
  }

  /** Whether the frame's target bytes are those of the last target decoded (valid UTF-8, then). */
  private sameAsLastTarget(bytes: Uint8Array, n: number): boolean {
    const last = this.lastTargetBytes;
    if (last.length !== n) return false;
    for (let i = 0; i < n; i++) if (bytes[PREFIX_BYTES + i] !== last[i]) return false;
    return true;
  }

  private fail(error: FrameError): FrameError {
    this.failure = error;
    this.chunks.length = 0;
    this.buffered = 0;
    this.offset = 0;
    return error;
  }

  /** Copies the first n buffered bytes (n is small: header only). */
  private peek(n: number): Uint8Array {
    const first = this.chunks[0]!;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = new Uint8Array(n);
    let filled = 0;
    let off = this.offset;
    for (const chunk of this.chunks) {
      const part = chunk.subarray(off, off + (n - filled));
      out.set(part, filled);
      filled += part.length;
      off = 0;
      if (filled === n) break;
    }
    return out;
  }

  /** Removes the first n buffered bytes; a view without copying when one chunk holds them all. */
  private take(n: number): Uint8Array {
    const first = this.chunks[0]!;
    let out: Uint8Array;
    if (first.length - this.offset >= n) {
      out = first.subarray(this.offset, this.offset + n);
      this.offset += n;
      if (this.offset === first.length) {
        this.chunks.shift();
        this.offset = 0;
      }
    } else {
      out = new Uint8Array(n); // all n bytes have arrived: this allocation is bounded by real input
      let filled = 0;
      while (filled < n) {
        const chunk = this.chunks[0]!;
        const part = chunk.subarray(this.offset, this.offset + (n - filled));
        out.set(part, filled);
        filled += part.length;
        this.offset += part.length;
        if (this.offset === chunk.length) {
          this.chunks.shift();
          this.offset = 0;
        }
      }
    }
    this.buffered -= n;
    return out;
  }
}
