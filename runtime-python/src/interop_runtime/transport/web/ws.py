"""A ByteTransport over a WebSocket (docs/transports.md, "WebSocket"), on either side: a node that
dialed ws:// or wss://, or a web listener that took an upgrade. The WebSocket protocol is the
`websockets` package's sans-I/O layer, over the same asyncio streams as every socket transport.
Each frame goes out as one binary message; the messages received are read as one byte stream."""

from __future__ import annotations

import asyncio
from typing import Sequence

from websockets.exceptions import PayloadTooBig
from websockets.frames import Frame as WsFrame, Opcode
from websockets.protocol import Protocol, State

from ..base import StreamTransport

CLOSE_NORMAL = 1000
CLOSE_UNSUPPORTED_DATA = 1003


def split_frames(data: bytes) -> list[bytes]:
    """The frames of a write (the connection writes whole frames), each for one message."""
    frames = []
    at = 0
    while at < len(data):
        end = at + 4 + int.from_bytes(data[at:at + 4], "little")
        if end > len(data):
            raise ValueError("a write ended inside a frame")
        frames.append(data[at:end])
        at = end
    return frames


class WsTransport:
    """ByteTransport: read() gives the bytes of binary messages in order, write() sends each frame
    as a message. A text message or one over `4 + max_frame_bytes` closes the connection (1003,
    1009) and sets `refused_data`, which the connection counts in rejected_frames."""

    def __init__(self, stream: StreamTransport, protocol: Protocol, description: str, received: bytes = b"",
                 initial: Sequence[WsFrame] = ()) -> None:
        self._stream = stream
        self._ws = protocol
        self.description = description
        self.refused_data = False
        self._chunks: list[bytes] = []
        self._eof = False
        self._take(initial)
        if received:
            self._feed(received)

    def _flush(self) -> None:
        for data in self._ws.data_to_send():
            if data:
                self._stream.write(data)

    def _feed(self, data: bytes) -> None:
        """Parses what came from the socket: data of binary messages is kept for read()."""
        if data:
            self._ws.receive_data(data)
        else:
            self._ws.receive_eof()
        self._take(self._ws.events_received())

    def _take(self, events: Sequence[object]) -> None:
        for event in events:
            if not isinstance(event, WsFrame) or self.refused_data:
                continue
            if event.opcode in (Opcode.BINARY, Opcode.CONT):
                self._chunks.append(bytes(event.data))
            elif event.opcode == Opcode.TEXT and not self.refused_data:
                self.refused_data = True
                self._ws.send_close(CLOSE_UNSUPPORTED_DATA, "interop frames travel in binary messages")
        if isinstance(self._ws.parser_exc, PayloadTooBig):
            self.refused_data = True
        self._flush()
        if self._ws.state is State.CLOSED or self._ws.close_expected() or self.refused_data:
            self._eof = True

    async def read(self) -> bytes:
        while not self._chunks:
            if self._eof:
                self._stream.close()
                return b""
            data = await self._stream.read()
            self._feed(data)
            if not data:
                self._eof = True
        if len(self._chunks) == 1:
            return self._chunks.pop()
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data

    def write(self, data: bytes) -> None:
        if self._ws.state is not State.OPEN:
            return
        for frame in split_frames(data):
            self._ws.send_binary(frame)
        self._flush()

    def buffered(self) -> int:
        return self._stream.buffered()

    def congested(self) -> bool:
        return self._stream.congested()

    async def drain(self) -> None:
        await self._stream.drain()

    async def end(self, linger_s: float) -> None:
        """Closing handshake (1000), then the socket once the peer answered it or `linger_s` passed."""
        if self._ws.state is State.OPEN:
            self._ws.send_close(CLOSE_NORMAL)
            self._flush()
        try:
            async with asyncio.timeout(linger_s):
                while not self._eof and self._ws.state is not State.CLOSED:
                    data = await self._stream.read()
                    self._feed(data)
                    if not data:
                        break
        except TimeoutError:
            pass
        self._stream.close()

    def close(self) -> None:
        self._stream.close()
