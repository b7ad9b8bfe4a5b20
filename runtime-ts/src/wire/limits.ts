// The limits of docs/wire.md §5, with their defaults, in one place. Every runtime uses the same
// names and defaults; the manifest reports them under their wire (snake_case) names.

import { ErrorCode, InteropError } from '../errors.js';

/** What a subscription does when its queue is full (docs/wire.md §5, docs/config.md). */
export type EventQueuePolicy = 'drop_oldest' | 'drop_newest' | 'block';

export const EVENT_QUEUE_POLICIES: readonly EventQueuePolicy[] = ['drop_oldest', 'drop_newest', 'block'];

export interface Limits {
  /** Largest accepted value of a frame's `length` field. */
  maxFrameBytes: number;
  /** Deepest container nesting a payload decoder accepts (outermost = 1). */
  maxDepth: number;
  /** Requests one peer may have outstanding on one connection. */
  maxInFlight: number;
  /** Events queued per subscription before the policy applies. */
  maxEventQueue: number;
  /** Policy applied when a subscription's queue is full. */
  eventQueuePolicy: EventQueuePolicy;
  /** Deadline of a call that sets none. */
  defaultDeadlineMs: number;
  /** Time allowed for HELLO / WELCOME. */
  handshakeTimeoutMs: number;
  /** Largest accepted `target_len`. */
  maxTargetBytes: number;
  /** Items a stream's receiver grants ahead of its consumer, per stream and direction. */
  streamWindow: number;
  /** Connections one listener holds open at once; the next is refused with RESOURCE_EXHAUSTED. */
  maxConnections: number;
  /** An accepted connection with nothing going on for this long is closed with GOODBYE. */
  idleTimeoutMs: number;
  /** Time from a frame's first byte to its last, after the handshake. */
  frameTimeoutMs: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxFrameBytes: 16_777_216,
  maxDepth: 64,
  maxInFlight: 256,
  maxEventQueue: 1024,
  eventQueuePolicy: 'drop_oldest',
  defaultDeadlineMs: 30_000,
  handshakeTimeoutMs: 10_000,
  maxTargetBytes: 1024,
  streamWindow: 64,
  maxConnections: 512,
  idleTimeoutMs: 300_000,
  frameTimeoutMs: 30_000,
});

const MAX_MS = 2_147_483_647;

/** Wire / config name of each limit (docs/wire.md §5). */
export const LIMIT_WIRE_NAMES = {
  maxFrameBytes: 'max_frame_bytes',
  maxDepth: 'max_depth',
  maxInFlight: 'max_in_flight',
  maxEventQueue: 'max_event_queue',
  eventQueuePolicy: 'event_queue_policy',
  defaultDeadlineMs: 'default_deadline_ms',
  handshakeTimeoutMs: 'handshake_timeout_ms',
  maxTargetBytes: 'max_target_bytes',
  streamWindow: 'stream_window',
  maxConnections: 'max_connections',
  idleTimeoutMs: 'idle_timeout_ms',
  frameTimeoutMs: 'frame_timeout_ms',
} as const satisfies Record<keyof Limits, string>;

export type WireLimits = { [K in keyof Limits as (typeof LIMIT_WIRE_NAMES)[K]]: Limits[K] };

/** The limits under their wire names, as the manifest reports them. */
export function limitsToWire(limits: Limits): WireLimits {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(LIMIT_WIRE_NAMES) as Array<keyof Limits>) out[LIMIT_WIRE_NAMES[key]] = limits[key];
  return out as WireLimits;
}

/**
 * Defaults overridden by a config's `limits` object (wire names). Unknown names and bad values
 * throw: a typo in a limit must not silently leave the default in place.
 */
export function limitsFromWire(overrides: Record<string, unknown> | undefined, base: Limits = DEFAULT_LIMITS): Limits {
  const out: Limits = { ...base };
  if (!overrides) return out;
  const byWire = new Map<string, keyof Limits>(
    (Object.keys(LIMIT_WIRE_NAMES) as Array<keyof Limits>).map((k) => [LIMIT_WIRE_NAMES[k], k]),
  );
  for (const [name, value] of Object.entries(overrides)) {
    const key = byWire.get(name);
    if (!key) throw new InteropError(ErrorCode.INVALID_ARGUMENT, `limits: unknown limit "${name}"`);
    if (key === 'eventQueuePolicy') {
      if (!EVENT_QUEUE_POLICIES.includes(value as EventQueuePolicy)) {
        throw new InteropError(ErrorCode.INVALID_ARGUMENT, `limits.${name}: expected one of ${EVENT_QUEUE_POLICIES.join(', ')}`);
      }
      out.eventQueuePolicy = value as EventQueuePolicy;
    } else {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
        throw new InteropError(ErrorCode.INVALID_ARGUMENT, `limits.${name}: expected a positive integer`);
      }
      // Timers take at most 2^31 - 1 ms (about 24 days) in every runtime; more would fire at once.
      if (name.endsWith('_ms') && value > MAX_MS) throw new InteropError(ErrorCode.INVALID_ARGUMENT, `limits.${name}: at most ${MAX_MS}`);
      (out as unknown as Record<string, number>)[key] = value;
    }
  }
  if (out.maxFrameBytes > 0xffff_ffff) throw new InteropError(ErrorCode.INVALID_ARGUMENT, 'limits.max_frame_bytes: at most 4294967295');
  // Credit travels as a u32 (docs/wire.md §1.5).
  if (out.streamWindow > 0xffff_ffff) throw new InteropError(ErrorCode.INVALID_ARGUMENT, 'limits.stream_window: at most 4294967295');
  return out;
}
