"""What every part of a Connection shares: its configuration, the peer as the handshake found it,
and its lifecycle (open, closing after a GOODBYE, closed with a reason).

A Connection is assembled from parts, each in its own module and each owning its state:
conn_outbound (what waits to be written), conn_caller (this side's exchanges), conn_serving (the
peer's exchanges), conn_handshake and conn_inbound (reading and dispatching frames). A part sets
up its state in `_setup` and lets go of it in `_teardown`, both cooperative (`super()` first)."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from .codec.type_codec import CodecName
from .counters import Counters
from .errors import ErrorCode, InteropError
from .handshake import KNOWN_CODECS
from .limits import DEFAULT_LIMITS, Limits
from .module import ModuleDescriptor
from .peer_versions import PeerVersions
from .transport.base import ByteTransport

if TYPE_CHECKING:
    from .connection import Connection


@dataclass(slots=True)
class Served:
    """A module this side implements: its descriptor and the handler object (XHandlers)."""

    module: ModuleDescriptor
    handlers: Any


#: Answers a control-channel member ("manifest", "health") with a plain JSON document.
ControlHandler = Callable[[str], Any]
#: Called when the peer subscribes/unsubscribes (so a node can route its events).
SubscriptionHook = Callable[["Connection"], None]


class ConnectionCore:
    """Configuration and lifecycle of a Connection (see connection.py)."""

    def __init__(
        self, transport: ByteTransport, *, initiator: bool, node: str,
        served: Mapping[str, Served] | None = None, wants: Sequence[ModuleDescriptor] = (),
        codecs: Sequence[CodecName] = KNOWN_CODECS, limits: Limits = DEFAULT_LIMITS,
        token: str | None = None, expected_token: str | None = None,
        control: ControlHandler | None = None, counters: Counters | None = None,
        close_when_idle: bool = False, control_only: bool = False,
        member_codecs: Mapping[str, CodecName] | None = None,
    ) -> None:
        self.transport = transport
        self.initiator = initiator
        self.node = node
        self.served: Mapping[str, Served] = served or {}
        self.wants = list(wants)
        self.codecs = [c for c in codecs if c in KNOWN_CODECS]
        self.limits = limits
        self.token = token
        self.expected_token = expected_token
        self.control = control
        self.counters = counters or Counters()
        #: Close with GOODBYE when idle for idle_timeout_ms (accepted on a listener, wire.md §5.1).
        self.close_when_idle = close_when_idle
        #: On a control endpoint: only interop.control is served (a wanted module gets a hint).
        self.control_only = control_only
        #: Bytes read / written since the watchdog's last idle check (conn_watchdog.py).
        self._received = False
        self._wrote = False
        #: The read loop waits for room (a full `block` queue, answers not read) instead of reading.
        self._reading_paused = False
        self.peer = ""
        #: What this side may use of the peer's modules; set by the handshake (docs/wire.md §2.2).
        self.versions = PeerVersions("", {}, {})
        #: Codecs the peer can decode; the first of ours it lists is what we send.
        self.peer_codecs: list[CodecName] = []
        self.send_codec: CodecName = self.codecs[0] if self.codecs else "json"
        #: "module.member" -> the codec its calls and subscriptions use (docs/config.md "Codec per
        #: function or event"); the handshake keeps those the peer decodes.
        self.member_codecs: dict[str, CodecName] = dict(member_codecs or {})
        self._handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._closed = asyncio.Event()
        self._close_reason: InteropError | None = None
        self._goodbye_received = False
        self._goodbye_sent = False
        self._reader: asyncio.Task[None] | None = None
        self.opened_at = time.monotonic()
        self._setup()

    def _setup(self) -> None:
        """Each part creates its own state here (calling super() first)."""

    def _teardown(self, reason: InteropError) -> None:
        """Each part fails (with `reason`) or drops what it holds when the connection closes
        (super() first)."""

    def codec_for(self, target: str) -> CodecName:
        """The codec to send calls of, or subscribe to, `target` ("module.member") in."""
        return self.member_codecs.get(target, self.send_codec) if self.member_codecs else self.send_codec

    def _offers(self) -> dict[str, str]:
        return {name: s.module.fingerprint for name, s in self.served.items()}

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def closing(self) -> bool:
        """Either side said GOODBYE: no new exchanges start (links dial a new connection)."""
        return self._goodbye_received or self._goodbye_sent

    async def wait_closed(self) -> None:
        await self._closed.wait()

    def _check_open(self) -> None:
        if self.closed:
            reason = self._close_reason
            raise InteropError(ErrorCode.UNAVAILABLE, reason.message if reason else "connection closed")
        if self._goodbye_received or self._goodbye_sent:
            raise InteropError(ErrorCode.UNAVAILABLE, "connection is closing (GOODBYE)")

    def _shutdown(self, reason: InteropError) -> None:
        """Fails everything pending with `reason` and closes the transport; idempotent."""
        if self.closed:
            return
        self._close_reason = reason
        self._closed.set()
        if not self._handshake.done():
            self._handshake.set_exception(reason)
            self._handshake.exception()  # mark retrieved: open() may not be waiting any more
        self._teardown(reason)
        self.transport.close()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()


__all__ = ["ConnectionCore", "ControlHandler", "Served", "SubscriptionHook"]
