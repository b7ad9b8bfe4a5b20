"""Dialing http:// and https:// (docs/transports.md, "HTTP"), as the TS runtime does: a
ByteTransport that turns the frames a Connection writes into HTTP requests (h11 over asyncio
streams, kept alive in a small pool) and the answers back into frames. HELLO is POSTed to
/.well-known/interop/hello; REQUEST, ONEWAY and PING are POSTs; SUBSCRIBE is a GET whose
Server-Sent Events become EVENT frames; CANCEL and UNSUBSCRIBE abort their request. A request
that cannot reach the node closes the transport, as a broken socket would."""

from __future__ import annotations

import asyncio
import json
import ssl
from typing import Any

import h11

from ...envelope import encode_envelope
from ...errors import ErrorCode
from ...frames import FLAG_STREAM_IN, FLAG_STREAM_OUT, CodecId, Frame, FrameDecoder, FrameError, FrameKind, codec_id, codec_name, encode_frame
from ...limits import Limits
from ..base import StreamTransport
from .address import WebAddress
from .http_mapping import (FLATBUFFERS_TYPE, HELLO_PATH, JSON_TYPE, MSGPACK_TYPE, PING_PATH, PROTOBUF_TYPE, TIMEOUT_HEADER, code_of_status, content_type_of,
                           path_of_target, streams_not_over_http)


def why(error: BaseException) -> str:
    """A failed connect in words: the usual causes name what to check."""
    if isinstance(error, ConnectionRefusedError):
        return "nothing listens there (connection refused; is the node running?)"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"its certificate is not trusted ({error.verify_message}): name the certificate authority in the connect entry's \"ca\""
    return str(error) or type(error).__name__


class _Http:
    """One kept-alive HTTP connection."""

    def __init__(self, stream: StreamTransport) -> None:
        self.stream = stream
        self.h11 = h11.Connection(h11.CLIENT)

    async def event(self) -> Any:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.h11.receive_data(await self.stream.read())


class HttpClientTransport:
    """ByteTransport of a node dialing an http:// address."""

    def __init__(self, address: WebAddress, description: str, limits: Limits, context: ssl.SSLContext | None) -> None:
        self.description = description
        self._address = address
        self._limits = limits
        self._context = context
        self._decoder = FrameDecoder(0xFFFFFFFF, 0xFFFF)  # this node's own frames: not a peer's limits
        self._incoming: asyncio.Queue[bytes] = asyncio.Queue()
        self._idle: list[_Http] = []
        self._token: str | None = None
        #: Requests in flight by correlation id (a SUBSCRIBE's too), and event streams by target.
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._streams: dict[str, int] = {}
        self._others: set[asyncio.Task[None]] = set()
        self._closed = False

    # ---- ByteTransport --------------------------------------------------------------------------

    async def read(self) -> bytes:
        return b"" if self._closed and self._incoming.empty() else await self._incoming.get()

    def write(self, data: bytes) -> None:
        for item in self._decoder.push(data):
            if not isinstance(item, FrameError):
                self._on_frame(item)

    def congested(self) -> bool:
        return False

    async def drain(self) -> None:
        return None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for task in [*self._tasks.values(), *self._others]:
            task.cancel()
        for http in self._idle:
            http.stream.close()
        self._idle.clear()
        self._incoming.put_nowait(b"")

    async def end(self, linger_s: float) -> None:
        self.close()

    # ---- frames to requests ---------------------------------------------------------------------

    def _deliver(self, frame: Frame) -> None:
        if not self._closed:
            self._incoming.put_nowait(encode_frame(frame))

    def _spawn(self, frame: Frame, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        if frame.kind in (FrameKind.REQUEST, FrameKind.PING, FrameKind.SUBSCRIBE):
            self._tasks[frame.correlation] = task
            task.add_done_callback(lambda t: self._tasks.pop(frame.correlation, None) if self._tasks.get(frame.correlation) is t else None)
        else:
            self._others.add(task)
            task.add_done_callback(self._others.discard)

    def _on_frame(self, frame: Frame) -> None:
        kind = frame.kind
        if kind == FrameKind.HELLO:
            try:
                token = json.loads(frame.payload).get("token")
                self._token = token if isinstance(token, str) else None
            except ValueError:
                pass
            self._spawn(frame, self._post(frame, HELLO_PATH, JSON_TYPE, fresh=True))
        elif kind == FrameKind.REQUEST and frame.flags & (FLAG_STREAM_IN | FLAG_STREAM_OUT):
            # A stream is answered here, before anything is sent: UNIMPLEMENTED, as the node would
            # answer its POST (ADR 0023). Its other frames (credit, items, end) are dropped below.
            codec = codec_name(frame.codec) or "json"
            self._deliver(Frame(FrameKind.ERROR, codec_id(codec), frame.correlation,
                                frame.target, encode_envelope(ErrorCode.UNIMPLEMENTED, streams_not_over_http(frame.target), codec)))
        elif kind in (FrameKind.REQUEST, FrameKind.ONEWAY):
            self._spawn(frame, self._post(frame, path_of_target(frame.target), content_type_of(codec_name(frame.codec) or "json")))
        elif kind == FrameKind.PING:
            self._spawn(frame, self._post(frame, PING_PATH, "application/octet-stream"))
        elif kind == FrameKind.SUBSCRIBE:
            self._streams[frame.target] = frame.correlation
            self._spawn(frame, self._subscribe(frame))
        elif kind == FrameKind.UNSUBSCRIBE:
            self._abort(self._streams.pop(frame.target, 0))
        elif kind == FrameKind.CANCEL:
            self._abort(frame.correlation)
        elif kind == FrameKind.GOODBYE:
            pass  # the connection closes the transport once its exchanges are done

    def _abort(self, correlation: int) -> None:
        task = self._tasks.pop(correlation, None)
        if task is not None:
            task.cancel()

    async def _connect(self, fresh: bool = False) -> _Http:
        if self._idle and not fresh:
            return self._idle.pop()
        a = self._address
        try:
            reader, writer = await asyncio.open_connection(a.host, a.port, ssl=self._context, limit=1 << 20)
        except OSError as e:
            raise ConnectionError(why(e)) from e
        return _Http(StreamTransport(reader, writer, self.description))

    def _headers(self, extra: list[tuple[str, str]]) -> list[tuple[str, str]]:
        headers = [("Host", self._address.host_port), *extra]
        if self._token is not None:
            headers.append(("Authorization", f"Bearer {self._token}"))
        return headers

    async def _post(self, frame: Frame, path: str, content_type: str, fresh: bool = False) -> None:
        headers = [("Content-Type", content_type), ("Content-Length", str(len(frame.payload)))]
        if frame.timeout_ms:
            headers.append((TIMEOUT_HEADER, str(frame.timeout_ms)))
        http: _Http | None = None
        try:
            http = await self._connect(fresh)
            http.stream.write(http.h11.send(h11.Request(method="POST", target=self._address.path + path, headers=self._headers(headers)))
                              + http.h11.send(h11.Data(data=frame.payload)) + http.h11.send(h11.EndOfMessage()))
            response = await http.event()
            body = bytearray()
            while True:
                event = await http.event()
                if isinstance(event, h11.Data):
                    body += event.data
                    if len(body) > self._limits.max_frame_bytes + 4:
                        raise ConnectionError(f"an answer larger than max_frame_bytes {self._limits.max_frame_bytes}")
                elif isinstance(event, h11.EndOfMessage):
                    break
                else:
                    raise ConnectionError("the node closed the connection inside an answer")
        except (ConnectionError, OSError, h11.ProtocolError) as e:
            if http is not None:
                http.stream.close()
            if frame.kind == FrameKind.HELLO:
                # The HELLO's POST is the connect: its failure answers the HELLO, in words.
                self._deliver(Frame(FrameKind.ERROR, CodecId.JSON, 0, "", encode_envelope(
                    ErrorCode.UNAVAILABLE, f"cannot connect to {self.description}: {e}", "json")))
            self.close()
            return
        except asyncio.CancelledError:
            if http is not None:
                http.stream.close()
            raise
        if http.h11.our_state is h11.DONE and http.h11.their_state is h11.DONE and not fresh:
            http.h11.start_next_cycle()
            self._idle.append(http)
        else:
            http.stream.close()
        if frame.kind != FrameKind.ONEWAY:
            self._deliver(answer_frame(frame, response, bytes(body)))

    async def _subscribe(self, frame: Frame) -> None:
        """A GET whose Server-Sent Events become EVENT frames until UNSUBSCRIBE, CANCEL or close."""
        http: _Http | None = None
        try:
            http = await self._connect(fresh=True)
            http.stream.write(http.h11.send(h11.Request(method="GET", target=self._address.path + path_of_target(frame.target),
                                                        headers=self._headers([("Accept", "text/event-stream")]))) + http.h11.send(h11.EndOfMessage()))
            response = await http.event()
            if response.status_code != 200:
                body = bytearray()
                while isinstance(event := await http.event(), h11.Data):
                    body += event.data
                self._streams.pop(frame.target, None)
                self._deliver(answer_frame(frame, response, bytes(body)))
                return
            self._deliver(Frame(FrameKind.RESPONSE, frame.codec, frame.correlation, frame.target))
            module = frame.target.rpartition(".")[0]
            parser = EventStreamParser(self._limits.max_frame_bytes)
            while True:
                event = await http.event()
                if not isinstance(event, h11.Data):
                    raise ConnectionError(f"the event stream {frame.target} ended")
                for name, data in parser.push(bytes(event.data)):
                    self._deliver(Frame(FrameKind.EVENT, CodecId.JSON, 0, f"{module}.{name}", data))
        except (ConnectionError, OSError, h11.ProtocolError, ValueError):
            self.close()  # the node went away: closing lets the link renew the subscription
        finally:
            if http is not None:
                http.stream.close()


def answer_frame(frame: Frame, response: Any, body: bytes) -> Frame:
    """The frame answering `frame`: the body as its payload, or an envelope made from the status."""
    status = response.status_code
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
    ctype = headers.get("content-type", "").split(";")[0].strip()
    codec = {JSON_TYPE: CodecId.JSON, MSGPACK_TYPE: CodecId.MSGPACK, PROTOBUF_TYPE: CodecId.PROTOBUF, FLATBUFFERS_TYPE: CodecId.FLATBUFFERS}.get(ctype)
    if 200 <= status < 300:
        if frame.kind == FrameKind.HELLO:
            return Frame(FrameKind.WELCOME, CodecId.JSON, 0, "", body)
        if frame.kind == FrameKind.PING:
            return Frame(FrameKind.PONG, CodecId.NONE, frame.correlation, "", body)
        return Frame(FrameKind.RESPONSE, frame.codec if status == 204 or codec is None else codec, frame.correlation, frame.target, body)
    if codec is not None:
        return Frame(FrameKind.ERROR, codec, frame.correlation, frame.target, body)
    what = body[:200].decode("utf-8", "replace").splitlines()[0] if body else ""
    message = f"HTTP {status} {response.reason.decode('latin-1')}{': ' + what if what else ''}"
    return Frame(FrameKind.ERROR, CodecId.JSON, frame.correlation, frame.target, encode_envelope(code_of_status(status), message, "json"))


class EventStreamParser:
    """Reads text/event-stream: `event:` and `data:` fields, an event per blank line."""

    def __init__(self, max_line: int) -> None:
        self._max = max_line
        self._buffer = b""
        self._event = ""
        self._data: list[bytes] = []

    def push(self, chunk: bytes) -> list[tuple[str, bytes]]:
        self._buffer += chunk
        out: list[tuple[str, bytes]] = []
        lines = self._buffer.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        self._buffer = lines.pop()
        if len(self._buffer) > self._max:
            raise ValueError("an event larger than max_frame_bytes")
        for line in lines:
            if not line:
                if self._data or self._event:
                    out.append((self._event or "message", b"\n".join(self._data)))
                self._event, self._data = "", []
            elif not line.startswith(b":"):
                field, _, value = line.partition(b":")
                value = value[1:] if value.startswith(b" ") else value
                if field == b"event":
                    self._event = value.decode("utf-8", "replace")
                elif field == b"data":
                    self._data.append(value)
        return out


__all__ = ["EventStreamParser", "HttpClientTransport", "why"]
