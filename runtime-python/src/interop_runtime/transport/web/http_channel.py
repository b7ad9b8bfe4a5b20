"""The serving side of the HTTP transport (docs/transports.md, "HTTP"), as in the TS runtime: one
ByteTransport per HTTP connection that has made an interop request. Requests become the frames a
socket peer would send (a HELLO first, then REQUEST, ONEWAY, SUBSCRIBE, PING, CANCEL) and the
node's answering frames become HTTP answers, so an HTTP request is served by the same Connection
code as a frame from any other transport. Payload bytes pass through untouched."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import AsyncIterator, Callable

from ...codec.type_codec import CodecName
from ...envelope import decode_envelope, encode_envelope
from ...errors import ErrorCode, InteropError
from ...frames import CodecId, Frame, FrameDecoder, FrameError, FrameKind, codec_id, codec_name, encode_frame, encode_frame_head
from ...handshake import Hello, encode_hello
from ...limits import Limits
from ..base import StreamTransport
from .http_mapping import content_type_of, status_of_code

#: The frames the node writes to this channel are its own, not a peer's: only the u32 length bounds them.
_OWN_FRAMES = 0xFFFFFFFF


@dataclass(slots=True)
class Answer:
    """What the node answered, as HTTP: status, content type, body."""
    status: int
    content_type: str
    body: bytes
    close: bool = False  # the connection must close after it (its body was refused)


def error_answer(code: int, message: str, codec: CodecName = "json", status: int | None = None) -> Answer:
    return Answer(status if status is not None else status_of_code(code), content_type_of(codec),
                  encode_envelope(code, message, codec))


class HttpRefusal(Exception):
    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.body)
        self.answer = answer


@dataclass(slots=True)
class HttpContext:
    """What the listener shares with its HTTP channels."""
    limits: Limits
    #: "module.fn" -> call | oneway | stream, read once from the node's manifest.
    kinds: asyncio.Future[dict[str, str]] | None = None


class HttpChannel:
    """ByteTransport toward the node's Connection for one HTTP connection."""

    def __init__(self, description: str, stream: StreamTransport, context: HttpContext) -> None:
        self.description = description
        self.refused_data = False
        self._stream = stream
        self._context = context
        self._decoder = FrameDecoder(_OWN_FRAMES, 0xFFFF)  # the node's own frames: not the peer's limits
        self._incoming: asyncio.Queue[bytes] = asyncio.Queue()
        self._answers: dict[int, asyncio.Future[Frame]] = {}
        #: Event streams by SUBSCRIBE id: target and the writer of one event.
        self.streams: dict[int, tuple[str, Callable[[str, bytes], None]]] = {}
        self._hello: asyncio.Future[bytes] | None = None
        self._token: str | None = None
        self._next_id = 1
        #: The exchange whose frame carries a request body: its key, whether the body is over
        #: max_frame_bytes, whether all of it was passed on. A connection-level ERROR is about it.
        self.body: tuple[int, bool, bool] | None = None
        #: The node ended the connection (GOODBYE, close): the socket closes once answered.
        self.ending = asyncio.Event()
        self.closed = False

    # ---- ByteTransport: what the node's Connection sees -----------------------------------------

    async def read(self) -> bytes:
        return await self._incoming.get() if not self.closed else b""

    def write(self, data: bytes) -> None:
        for item in self._decoder.push(data):
            if not isinstance(item, FrameError):
                self._on_frame(item)

    def buffered(self) -> int:
        return self._stream.buffered()

    def congested(self) -> bool:
        return self._stream.congested()

    async def drain(self) -> None:
        await self._stream.drain()

    def close(self) -> None:
        """The node closes the connection: answers already given still go out, then the socket."""
        if self.closed:
            return
        self.closed = True
        for future in self._answers.values():
            if not future.done():
                future.set_exception(InteropError(ErrorCode.UNAVAILABLE, "the node closed the connection"))
        self._answers.clear()
        self._incoming.put_nowait(b"")
        self.ending.set()

    async def end(self, linger_s: float) -> None:
        self.close()

    def client_gone(self) -> None:
        """The HTTP client closed its connection: the node's connection ends as with a socket's EOF."""
        self._incoming.put_nowait(b"")
        self.closed = True

    # ---- frames from the node -------------------------------------------------------------------

    def _deliver(self, data: bytes) -> None:
        if not self.closed:
            self._incoming.put_nowait(data)

    def _send(self, frame: Frame) -> None:
        self._deliver(encode_frame(frame))

    def _on_frame(self, frame: Frame) -> None:
        if frame.kind == FrameKind.WELCOME:
            if self._hello is not None and not self._hello.done():
                self._hello.set_result(frame.payload)
        elif frame.kind == FrameKind.ERROR and frame.correlation == 0:
            self._on_connection_error(frame)
        elif frame.kind in (FrameKind.RESPONSE, FrameKind.ERROR, FrameKind.PONG):
            future = self._answers.pop(frame.correlation, None)
            if future is not None and not future.done():
                future.set_result(frame)
        elif frame.kind == FrameKind.EVENT:
            module, _, member = frame.target.rpartition(".")
            for target, emit in list(self.streams.values()):
                if target in (frame.target, f"{module}.*"):
                    emit(member, frame.payload)
        elif frame.kind == FrameKind.GOODBYE:
            self.ending.set()
        elif frame.kind in (FrameKind.REQUEST, FrameKind.SUBSCRIBE, FrameKind.PING):
            # The node cannot start an exchange with an HTTP client: it has no way to reach it.
            codec = codec_name(frame.codec) or "json"
            self._send(Frame(FrameKind.ERROR, codec_id(codec), frame.correlation, frame.target,
                             encode_envelope(ErrorCode.UNIMPLEMENTED, "the peer is an HTTP client: it cannot be called", codec)))

    def _on_connection_error(self, frame: Frame) -> None:
        """The handshake's refusal, or the end of the connection (a body refused as a frame)."""
        if self._hello is not None and not self._hello.done():
            self._hello.set_exception(HttpRefusal(self._envelope_answer(frame)))
            return
        body = self.body
        for cid, future in list(self._answers.items()):
            if future.done():
                continue
            # A body over max_frame_bytes (413), or one that did not arrive within frame_timeout_ms (408).
            status = None
            if body is not None and body[0] == cid:
                status = 413 if body[1] else None if body[2] else 408
            answer = self._envelope_answer(frame, status)
            answer.close = True
            future.set_exception(HttpRefusal(answer))
        self._answers.clear()
        self.ending.set()

    def _envelope_answer(self, frame: Frame, status: int | None = None) -> Answer:
        codec = codec_name(frame.codec) or "json"
        if status is None:
            try:
                status = status_of_code(decode_envelope(frame.payload, codec, self._context.limits.max_depth).code)
            except InteropError:
                status = 500
        return Answer(status, content_type_of(codec), frame.payload)

    def answer_of(self, frame: Frame) -> Answer:
        """The HTTP answer of the node's RESPONSE, PONG or ERROR."""
        if frame.kind == FrameKind.ERROR:
            return self._envelope_answer(frame)
        if not frame.payload:
            return Answer(204, "", b"")
        ctype = "application/octet-stream" if frame.kind == FrameKind.PONG else content_type_of(codec_name(frame.codec) or "json")
        return Answer(200, ctype, frame.payload)

    # ---- requests -------------------------------------------------------------------------------

    def _handshake(self, hello: bytes) -> asyncio.Future[bytes]:
        self._hello = asyncio.get_running_loop().create_future()
        self._send(Frame(FrameKind.HELLO, CodecId.JSON, payload=hello))
        return self._hello

    async def open(self, token: str | None) -> None:
        """Opens the connection for a request with `token` (Authorization: Bearer), or raises HttpRefusal."""
        if self._hello is None:
            self._token = token
            await self._handshake(encode_hello(Hello(["json", "msgpack"], self.description, token=token)))
        else:
            await self._hello
        if token != self._token:
            raise HttpRefusal(error_answer(ErrorCode.UNAUTHENTICATED, "this HTTP connection was opened with another token: "
                                           "send the same Authorization header on every request of a connection"))
        if self.ending.is_set():
            raise HttpRefusal(error_answer(ErrorCode.UNAVAILABLE, "this connection is closing: send the request again on a new connection"))

    async def hello(self, body: bytes) -> Answer:
        """POST /.well-known/interop/hello: the peer's HELLO, answered with the node's WELCOME."""
        if self._hello is not None:
            return error_answer(ErrorCode.PROTOCOL_ERROR, "the handshake must be the first request of its connection")
        try:
            token = json.loads(body).get("token")
            self._token = token if isinstance(token, str) else None
        except (ValueError, AttributeError):
            pass  # the node refuses it, in words
        try:
            welcome = await self._handshake(body)
        except HttpRefusal as r:
            return r.answer
        return Answer(200, content_type_of("json"), welcome)

    def new_id(self) -> int:
        cid = self._next_id
        self._next_id += 1
        return cid

    async def function_kind(self, target: str) -> str | None:
        """call, oneway or stream, from the node's manifest (asked once per listener)."""
        context = self._context
        if context.kinds is None:
            context.kinds = asyncio.ensure_future(self._fetch_kinds())
        try:
            return (await asyncio.shield(context.kinds)).get(target)
        except Exception:
            context.kinds = None  # asked again by the next request
            return None

    async def _fetch_kinds(self) -> dict[str, str]:
        frame = await self.exchange(Frame(FrameKind.REQUEST, CodecId.JSON, self.new_id(), "interop.control.manifest", b"{}"))
        bundle = json.loads(frame.payload)["bundle"]
        roots = bundle.get("roots")
        return {f"{m['name']}.{f['name']}": f["kind"] for m in bundle.get("modules", [])
                if roots is None or m["name"] in roots for f in m.get("functions", [])}

    def expect(self, cid: int) -> asyncio.Future[Frame]:
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._answers[cid] = future
        return future

    async def exchange(self, frame: Frame) -> Frame:
        future = self.expect(frame.correlation)
        self._send(frame)
        return await future

    def forget(self, key: int) -> None:
        """A one-way call whose body went in whole: nothing answers it."""
        self._answers.pop(key, None)

    def cancel(self, cid: int) -> bool:
        """Withdraws an exchange (deadline passed, caller gone): CANCEL to the node."""
        future = self._answers.pop(cid, None)
        if future is None:
            return False
        future.cancel()
        self._send(Frame(FrameKind.CANCEL, CodecId.NONE, cid))
        return True

    def unsubscribe(self, cid: int) -> None:
        entry = self.streams.pop(cid, None)
        if entry is not None:
            self._send(Frame(FrameKind.UNSUBSCRIBE, CodecId.NONE, 0, entry[0]))

    async def stream_body(self, frame: Frame, key: int, length: int, body: AsyncIterator[bytes] | bytes) -> None:
        """Sends the frame's head, then its payload as it arrives (the node times and limits it as a
        frame's). `key` is the exchange expecting the answer (a one-way call's is negative)."""
        head = encode_frame_head(frame, length)
        oversized = len(head) - 4 + length > self._context.limits.max_frame_bytes
        self.body = (key, oversized, False)
        self._deliver(head)
        if isinstance(body, bytes):
            self._deliver(body)
        else:
            async for chunk in body:
                if self.closed:
                    break
                self._deliver(chunk)
        if self.body is not None and self.body[0] == key:
            self.body = (key, oversized, True)
