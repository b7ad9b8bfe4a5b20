"""The small, documented interface every byte-stream transport implements, and its one
implementation over asyncio streams (unix, tcp, stdio pipes all end up here)."""

from __future__ import annotations

import asyncio
from typing import Protocol


class ByteTransport(Protocol):
    """A reliable, ordered byte stream to one peer. Implement this to plug in a custom bus."""

    #: Shown in logs and health: "unix:/run/x.sock", "tcp://127.0.0.1:4000", "stdio:plugin".
    description: str

    async def read(self) -> bytes:
        """The next chunk of bytes; b"" once the peer closed (end of stream)."""
        ...

    def write(self, data: bytes) -> None:
        """Queues bytes; never blocks. Call drain() to wait for the buffer to empty."""
        ...

    async def drain(self) -> None: ...

    def close(self) -> None:
        """Closes both directions; idempotent."""
        ...


class StreamTransport:
    """ByteTransport over an asyncio StreamReader/StreamWriter pair."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, description: str) -> None:
        self._reader = reader
        self._writer = writer
        self.description = description
        self._closed = False

    async def read(self) -> bytes:
        try:
            return await self._reader.read(65536)
        except (ConnectionError, OSError):
            return b""

    def write(self, data: bytes) -> None:
        if not self._closed and not self._writer.is_closing():
            self._writer.write(data)

    async def drain(self) -> None:
        try:
            await self._writer.drain()
        except (ConnectionError, OSError):
            pass

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._writer.close()
        except (ConnectionError, OSError, RuntimeError):
            pass

