"""The small, documented interface every byte-stream transport implements, and its one
implementation over asyncio streams (unix, tcp, stdio pipes all end up here)."""

from __future__ import annotations

import asyncio
from typing import Protocol


class ByteTransport(Protocol):
    """A reliable, ordered byte stream to one peer. Implement this to plug in a custom bus.

    Backpressure: `write` never blocks, so the transport reports when the peer is not keeping up
    (`congested`: more than its high-water mark of written bytes still unsent) and `drain` waits
    until it is not. The connection checks both before it writes a request or a response and holds
    events (bounded, per subscription) meanwhile, so what waits in the transport stays near the
    high-water mark whatever the peer does (docs/wire.md §5)."""

    #: Shown in logs and health: "unix:/run/x.sock", "tcp://127.0.0.1:4000", "stdio:plugin".
    description: str

    async def read(self) -> bytes:
        """The next chunk of bytes; b"" once the peer closed (end of stream). Not calling it is
        backpressure toward the peer: a transport buffers a bounded amount, then stops reading."""
        ...

    def write(self, data: bytes) -> None:
        """Queues bytes; never blocks."""
        ...

    def congested(self) -> bool:
        """True while more than the high-water mark of written bytes wait to be sent; False once
        the transport is closed."""
        ...

    async def drain(self) -> None:
        """Returns once the transport is no longer congested (at once if it is not), or closed."""
        ...

    def close(self) -> None:
        """Closes both directions; idempotent."""
        ...

    # A transport that refuses the peer's bytes itself (a WebSocket text message, or one too large)
    # sets `refused_data = True` before read() returns b"": the connection counts it in rejected_frames.


class EndingTransport(ByteTransport, Protocol):
    """A transport a listener hands over: it can also close gracefully (admission.py refuses with it)."""

    async def end(self, linger_s: float) -> None:
        """Sends what is buffered, then closes (waiting at most `linger_s` for the peer)."""
        ...


class StreamTransport:
    """ByteTransport over an asyncio StreamReader/StreamWriter pair. `high_water` sets the write
    buffer's high-water mark (asyncio's default, 64 KiB, when None; the low-water mark is a
    quarter of it)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, description: str,
                 high_water: int | None = None) -> None:
        self._reader = reader
        self._writer = writer
        self.description = description
        self._closed = False
        if high_water is not None:
            writer.transport.set_write_buffer_limits(high=high_water)
        self._high = writer.transport.get_write_buffer_limits()[1]

    async def read(self) -> bytes:
        try:
            return await self._reader.read(65536)
        except (ConnectionError, OSError):
            return b""

    def write(self, data: bytes) -> None:
        if not self._closed and not self._writer.is_closing():
            self._writer.write(data)

    def peer_address(self) -> str:
        """host:port of the peer (IPv6 in brackets), or "?" when the socket has none."""
        peer = self._writer.get_extra_info("peername")
        if not isinstance(peer, tuple) or len(peer) < 2:
            return "?"
        host = str(peer[0])
        return f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"

    def buffered(self) -> int:
        """Bytes written but not yet handed to the OS."""
        return 0 if self._closed else self._writer.transport.get_write_buffer_size()

    def congested(self) -> bool:
        if self._closed or self._writer.is_closing():
            return False
        return self._writer.transport.get_write_buffer_size() > self._high

    async def drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError, RuntimeError):
            pass

    async def end(self, linger_s: float) -> None:
        """Closes gracefully: sends what is buffered and then end of stream, drops what the peer
        still sends until it closes (at most `linger_s`), then closes. Closing with unread bytes
        would reset the connection, and the peer could lose what was written last."""
        try:
            if self._writer.can_write_eof():
                self._writer.write_eof()
            async with asyncio.timeout(linger_s):
                while await self._reader.read(65536):
                    pass
        except (TimeoutError, ConnectionError, OSError):
            pass
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass
