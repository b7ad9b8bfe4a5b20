"""The health counters every connection of a node shares (docs/wire.md §7)."""

from __future__ import annotations

from dataclasses import dataclass, fields


@dataclass(slots=True)
class Counters:
    """Shared by every connection of a node; reported by the control channel's health. Every
    runtime reports the same counters under the same names (docs/wire.md §7)."""

    #: Requests whose handler's result went out as a RESPONSE (streams too: their final RESPONSE).
    requests_served: int = 0
    #: Handlers (calls, streams, one-way calls, direct ones too) that raised.
    handler_errors: int = 0
    #: Subscription handlers that raised (the subscription goes on).
    event_handler_errors: int = 0
    #: REQUESTs refused with RESOURCE_EXHAUSTED: max_in_flight were being handled.
    rejected_requests: int = 0
    #: Malformed frames (docs/wire.md §1, §1.4), byte streams cut inside a frame, handshake frames
    #: after the handshake, stream frames that break the rules of docs/wire.md §1.5.
    rejected_frames: int = 0
    #: Connections a listener refused (RESOURCE_EXHAUSTED) because it had max_connections open.
    rejected_connections: int = 0
    #: Incoming connections whose handshake failed or timed out.
    rejected_handshakes: int = 0
    #: Accepted connections closed (GOODBYE) after idle_timeout_ms with nothing going on.
    idle_timeouts: int = 0
    #: Connections closed because a frame was not complete within frame_timeout_ms.
    frame_timeouts: int = 0
    #: RESPONSE, ERROR or PONG for an exchange this side no longer waits for (timed out, cancelled).
    late_responses: int = 0
    #: CANCEL for an exchange already answered (and whose answer no longer waits to be written).
    late_cancels: int = 0
    #: STREAM_ITEM, STREAM_END or STREAM_CREDIT naming no open stream (in flight across its end).
    late_stream_frames: int = 0
    #: One-way calls not run (unknown target, payload that does not decode) or not sent (their
    #: link could not connect).
    dropped_oneways: int = 0
    #: Events discarded by a full queue (docs/wire.md §5), subscriber or publisher side.
    dropped_events: int = 0
    #: EVENTs received for no subscription (for example in flight across an UNSUBSCRIBE).
    unsolicited_events: int = 0
    #: EVENTs received whose payload does not decode.
    undecodable_events: int = 0
    #: Published events whose payload could not be encoded for a subscriber.
    unencodable_events: int = 0
    #: Times a connection stopped reading its peer: a `block` subscription's queue was full, or
    #: the peer kept sending requests without reading the answers.
    paused_reads: int = 0

    def to_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTER_NAMES}


#: The health counters, in the order docs/wire.md §7 lists them.
COUNTER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Counters))

__all__ = ["COUNTER_NAMES", "Counters"]
