"""The limits of docs/wire.md §5, with their defaults, in one place. Config may lower or raise
them; the manifest reports them under these names."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Literal, get_args

#: What a subscription does when its queue is full.
EventPolicy = Literal["drop_oldest", "drop_newest", "block"]
EVENT_POLICIES: tuple[str, ...] = get_args(EventPolicy)
MAX_MS = 2_147_483_647


@dataclass(frozen=True, slots=True)
class Limits:
    max_frame_bytes: int = 16_777_216
    max_depth: int = 64
    max_in_flight: int = 256
    max_event_queue: int = 1024
    event_queue_policy: EventPolicy = "drop_oldest"
    default_deadline_ms: int = 30_000
    handshake_timeout_ms: int = 10_000
    max_target_bytes: int = 1024
    stream_window: int = 64
    #: Connections one listener holds open at once; the next is refused with RESOURCE_EXHAUSTED.
    max_connections: int = 512
    #: An accepted connection with nothing going on for this long is closed with GOODBYE.
    idle_timeout_ms: int = 300_000
    #: Time from a frame's first byte to its last, after the handshake.
    frame_timeout_ms: int = 30_000

    def to_json(self) -> dict[str, int | str]:
        return asdict(self)

    def with_overrides(self, overrides: dict[str, Any]) -> Limits:
        """Applies the limits named in config; unknown names are a config error."""
        known = {f.name for f in fields(self)}
        for name, value in overrides.items():
            if name not in known:
                raise ValueError(f"unknown limit '{name}'")
            if name == "event_queue_policy":
                if value not in EVENT_POLICIES:
                    raise ValueError(f"event_queue_policy must be one of {EVENT_POLICIES}")
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"limit '{name}' must be a positive integer")
            if name == "stream_window" and value > 0xFFFF_FFFF:
                # Credit travels as a u32 (docs/wire.md §1.5).
                raise ValueError("limit 'stream_window' must be between 1 and 4294967295")
            # Timers take at most 2^31 - 1 ms (about 24 days) in every runtime.
            if name.endswith("_ms") and value > MAX_MS:
                raise ValueError(f"limit '{name}' must be at most {MAX_MS}")
        return replace(self, **overrides)


DEFAULT_LIMITS = Limits()
