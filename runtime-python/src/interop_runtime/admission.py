"""Which connections a listener takes (docs/wire.md §5.1), as in the TS runtime: at most
max_connections open at once. One more is told RESOURCE_EXHAUSTED at once, without waiting for
its HELLO, and closed, so a flood of connections cannot take a node's file descriptors and
memory; the ones already open are served as before."""

from __future__ import annotations

from .envelope import encode_envelope
from .errors import ErrorCode
from .frames import CodecId, Frame, FrameKind, encode_frame
from .transport.base import EndingTransport

#: How long a refused peer gets to read the ERROR and close before its connection is closed.
REFUSED_LINGER_S = 1.0


class ListenerSlots:
    """The open connections of one listener."""

    def __init__(self, maximum: int) -> None:
        self.max = maximum
        self._open = 0
        #: The listener's bound address, for the refusal message (known once it listens).
        self.address = ""

    def take(self) -> bool:
        """Takes a slot for a new connection; False when `max` are open."""
        if self._open >= self.max:
            return False
        self._open += 1
        return True

    def release(self) -> None:
        self._open -= 1

    @property
    def refusal(self) -> str:
        return f"listener {self.address} has max_connections ({self.max}) connections open"


async def refuse_connection(transport: EndingTransport, message: str) -> None:
    """Writes one connection-level ERROR (RESOURCE_EXHAUSTED) and closes the transport."""
    payload = encode_envelope(ErrorCode.RESOURCE_EXHAUSTED, message, "json")
    transport.write(encode_frame(Frame(FrameKind.ERROR, CodecId.JSON, 0, "", payload)))
    await transport.end(REFUSED_LINGER_S)


__all__ = ["ListenerSlots", "REFUSED_LINGER_S", "refuse_connection"]
