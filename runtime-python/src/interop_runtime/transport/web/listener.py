"""The web listener (docs/transports.md, "WebSocket and HTTP"), as in the TS runtime: one socket
listener taking WebSocket connections (an upgrade, on any path) and HTTP requests, whatever the
scheme of its address. It checks Host and Origin, caps TCP connections at max_connections, and
hands the node a ByteTransport per interop connection: a WsTransport, or an HttpChannel whose
requests it turns into frames. HTTP/1.1 is parsed by h11; WebSocket frames by `websockets`."""

from __future__ import annotations

import asyncio
import logging
import re
import ssl
from http import HTTPStatus
from typing import Any, AsyncIterator, Awaitable, Callable, Coroutine, Mapping

import h11
from websockets.protocol import Protocol, Side
from websockets.utils import accept_key

from ...errors import ErrorCode
from ...frames import CodecId, Frame, FrameKind, codec_id
from ...limits import Limits
from ..base import StreamTransport
from ..sockets import Address, Listener, listen
from .address import WebAddress, host_port
from .http_channel import Answer, HttpChannel, HttpContext, HttpRefusal, error_answer
from .http_mapping import (HEALTH_PATH, HELLO_PATH, MANIFEST_PATH, PING_PATH, TIMEOUT_HEADER, WELL_KNOWN,
                           codec_of_content_type, streams_not_over_http, target_of_path)
from .security import bearer_token, cross_origin_allowed, refusal, web_policy
from .static_files import static_file
from .ws import WsTransport

log = logging.getLogger("interop.transport")
OnTransport = Callable[[Any], Coroutine[Any, Any, None]]
Count = Callable[[str], None]
_MAX_HEADERS = 16 * 1024
#: RFC 6455 §4.2.1: a Sec-WebSocket-Key is 16 bytes in base64.
_WS_KEY = re.compile(r"[+/0-9A-Za-z]{22}==")


class WebListener:
    """A listening web address; close() stops accepting (interop connections are the node's)."""

    def __init__(self, listener: Listener, address: str) -> None:
        self._listener = listener
        self.description = address

    def close(self) -> None:
        self._listener.close()


async def listen_web(address: WebAddress, on_transport: OnTransport, limits: Limits, *,
                     web: Mapping[str, Any] | None = None, tls: Mapping[str, str] | None = None,
                     count: Count = lambda _: None) -> tuple[WebListener, str]:
    """Starts a web listener; returns it and its bound address (port 0 resolved)."""
    context = None
    if address.tls:
        if not tls:
            raise ValueError(f'{address} needs a certificate: add "tls": {{"cert": "cert.pem", "key": "key.pem"}} to the node config')
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(tls["cert"], tls["key"])
        except (OSError, ssl.SSLError) as e:
            raise ValueError(f"tls: cannot load {tls['cert']} and {tls['key']}: {e}") from e
    server = _WebServer(address, on_transport, limits, web, count)
    listener, bound = await listen(Address("tcp", host=address.host, port=address.port), server.serve, ssl_context=context,
                                   ssl_handshake_timeout=limits.handshake_timeout_ms / 1000)
    server.bound = f"{address.scheme}://{host_port(address.host, bound.port)}"
    return WebListener(listener, server.bound), server.bound


class _WebServer:
    def __init__(self, address: WebAddress, on_transport: OnTransport, limits: Limits,
                 web: Mapping[str, Any] | None, count: Count) -> None:
        self.address = address
        self.on_transport = on_transport
        self.limits = limits
        self.web = web or {}
        self.count = count
        self.policy = web_policy(web, address.host, address.tls)
        self.context = HttpContext(limits)
        self.open = 0
        self.bound = ""
        self._tasks: set[asyncio.Task[None]] = set()

    def _accept(self, transport: Any) -> None:
        task = asyncio.get_running_loop().create_task(self.on_transport(transport))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def serve(self, stream: StreamTransport) -> None:
        self.open += 1
        connection = _Connection(self, stream)
        try:
            await connection.run()
        except (ConnectionError, OSError):
            pass
        except Exception:  # one connection's failure never takes the listener down
            log.exception("web connection on %s failed", self.bound)
        finally:
            self.open -= 1
            if not connection.upgraded:
                stream.close()
                if connection.channel is not None:
                    connection.channel.client_gone()


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode()
    except ValueError:
        return b""


def _head_bytes(req: h11.Request) -> int:
    """The size of a request's line and headers, as sent."""
    return len(req.method) + len(req.target) + 11 + sum(len(k) + len(v) + 4 for k, v in req.headers)


def _envelope(status: int, code: int, message: str) -> Answer:
    return error_answer(code, message, "json", status)


class _Connection:
    """One TCP connection: its HTTP requests, until it upgrades to a WebSocket or closes."""

    def __init__(self, server: _WebServer, stream: StreamTransport) -> None:
        self.server = server
        self.stream = stream
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEADERS)
        self.channel: HttpChannel | None = None
        self.upgraded = False
        self.refused = server.open > server.limits.max_connections
        self.peer = stream.peer_address()
        self.head = False  # the request being answered is a HEAD: its answer has headers only

    async def _next_event(self) -> Any:
        while True:
            event = self.h11.next_event()
            if event is not h11.NEED_DATA:
                return event
            self.h11.receive_data(await self.stream.read())

    async def _next_request(self, first: bool) -> Any:
        """The next request, in time: the first within handshake_timeout_ms of the accept (as a
        HELLO), a later one's headers within frame_timeout_ms of their first byte (as a frame's
        bytes). Deadlines, so that headers sent a line at a time cannot hold a connection
        (slowloris). Between requests, the node's idle check closes an interop connection (and
        counts it); a page's closes here after 3 × idle_timeout_ms, as in TS."""
        limits = self.server.limits
        loop = asyncio.get_running_loop()
        headers_started = first
        wait_ms = limits.handshake_timeout_ms if first else None if self.channel is not None else 3 * limits.idle_timeout_ms
        async with asyncio.timeout(None if wait_ms is None else wait_ms / 1000) as deadline:
            while True:
                event = self.h11.next_event()
                if event is not h11.NEED_DATA:
                    return event
                if not headers_started and self._partial_headers():
                    headers_started = True
                    deadline.reschedule(loop.time() + limits.frame_timeout_ms / 1000)
                self.h11.receive_data(await self.stream.read())

    async def run(self) -> None:
        limits = self.server.limits
        if self.refused:
            self.server.count("rejected_connections")
        first = True
        while True:
            try:
                event = await self._unless_ending(self._next_request(first))
            except TimeoutError:
                if first:
                    self.server.count("rejected_handshakes")
                elif self._partial_headers():
                    self.server.count("frame_timeouts")
                    self._write_raw(_envelope(408, ErrorCode.RESOURCE_EXHAUSTED,
                                              f"headers not complete within {limits.frame_timeout_ms} ms (frame_timeout_ms)"))
                return
            except h11.RemoteProtocolError as e:
                await self._send(_envelope(e.error_status_hint, ErrorCode.PROTOCOL_ERROR, f"bad HTTP request: {e}"), close=True)
                return
            if not isinstance(event, h11.Request):
                return  # the client closed (ConnectionClosed), the node ended the connection, or PAUSED after a refusal
            if _head_bytes(event) > _MAX_HEADERS:
                # h11 bounds only headers still incomplete; ones that came in one read are checked here.
                await self._send(_envelope(431, ErrorCode.PROTOCOL_ERROR, f"bad HTTP request: headers larger than {_MAX_HEADERS} bytes"),
                                 close=True)
                return
            first = False
            if not await self._request(event):
                return
            self._skip_unread_body()
            if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
                self.h11.start_next_cycle()
            else:
                return

    def _skip_unread_body(self) -> None:
        """A request answered without reading its body (a refusal, a HEAD): the body bytes already
        received are skipped, so the connection can go on; one still arriving closes it instead."""
        while self.h11.our_state is h11.DONE and self.h11.their_state is h11.SEND_BODY:
            if self.h11.next_event() in (h11.NEED_DATA, h11.PAUSED):
                return

    async def _unless_ending(self, work: Awaitable[Any]) -> Any:
        """The result of `work`, or None once the node ends the connection (GOODBYE: idle, closing)."""
        if self.channel is None:
            return await work
        task = asyncio.ensure_future(work)
        ending = asyncio.ensure_future(self.channel.ending.wait())
        await asyncio.wait([task, ending], return_when=asyncio.FIRST_COMPLETED)
        ending.cancel()
        if task.done():
            return task.result()
        task.cancel()
        return None

    def _partial_headers(self) -> bool:
        return bool(self.h11.trailing_data[0])

    def _write_raw(self, answer: Answer) -> None:
        """An answer to a request h11 has not parsed (its headers never ended), then the close."""
        head = (f"HTTP/1.1 {answer.status} {_reason(answer.status).decode()}\r\nContent-Type: {answer.content_type}\r\n"
                f"Content-Length: {len(answer.body)}\r\nConnection: close\r\n\r\n")
        self.stream.write(head.encode("latin-1") + answer.body)

    async def _send(self, answer: Answer, headers: list[tuple[str, str]] | None = None, close: bool = False) -> None:
        hs = list(headers or [])
        if answer.content_type:
            hs.append(("Content-Type", answer.content_type))
        hs.append(("Content-Length", str(len(answer.body))))
        if close or answer.close:
            hs.append(("Connection", "close"))
        try:
            data = self.h11.send(h11.Response(status_code=answer.status, headers=hs, reason=_reason(answer.status)))
            data += self.h11.send(h11.Data(data=answer.body)) if answer.body and not self.head else b""
            data += self.h11.send(h11.EndOfMessage())
        except h11.LocalProtocolError:
            return
        self.stream.write(data)
        await self.stream.drain()

    async def _request(self, req: h11.Request) -> bool:
        """Answers one request; False when the connection is to close (or is a WebSocket now)."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in req.headers}
        method = req.method.decode("ascii")
        path = req.target.decode("latin-1").split("?")[0]
        self.head = method == "HEAD"
        if self.refused:
            await self._send(_envelope(503, ErrorCode.RESOURCE_EXHAUSTED, f"listener {self.server.bound} has "
                                       f"max_connections ({self.server.limits.max_connections}) connections open"), close=True)
            return False
        origin = headers.get("origin")
        why = refusal(self.server.policy, headers.get("host"), origin)
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        if why:
            status = 403 if upgrade or not why.startswith(("Host", "the request has no Host")) else 421
            await self._send(_envelope(status, ErrorCode.PERMISSION_DENIED, why), close=upgrade)
            return not upgrade
        if upgrade:
            await self._upgrade(method, headers)
            return False
        cors = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")] if origin and cross_origin_allowed(self.server.policy, origin) else []
        if method == "OPTIONS":
            await self._send(Answer(204, "", b""), cors + [("Access-Control-Allow-Methods", "GET, POST"),
                                                           ("Access-Control-Allow-Headers", f"Content-Type, Authorization, {TIMEOUT_HEADER}"),
                                                           ("Access-Control-Max-Age", "600")])
            return True
        answer = await self._route(method, path, headers)
        if answer is None:  # an event stream: it ran until the client or the node left
            return False
        ending = self.channel is not None and self.channel.ending.is_set()
        allow = [("Allow", "GET, POST")] if answer.status == 405 else []
        await self._send(answer, cors + allow, close=ending)
        return not answer.close and not ending

    async def _route(self, method: str, path: str, headers: dict[str, str]) -> Answer | None:
        if path.startswith(WELL_KNOWN + "/"):
            if path == HELLO_PATH and method == "POST":
                return await self._channel().hello(await self._whole_body())
            if path == PING_PATH and method == "POST":
                return await self._exchange(FrameKind.PING, "", headers)
            if path in (MANIFEST_PATH, HEALTH_PATH) and method == "GET":
                return await self._exchange(FrameKind.REQUEST, "interop.control." + path.rsplit("/", 1)[1], headers)
            return _envelope(404, ErrorCode.NOT_FOUND, f"{method} {path}: not a well-known interop request (manifest, health: GET; hello, ping: POST)")
        target = target_of_path(path)
        if target is not None and method == "POST":
            return await self._call(target, headers)
        if target is not None and method == "GET":
            return await self._events(target, headers)
        if method in ("GET", "HEAD") and "static" in self.server.web:
            found = static_file(self.server.web["static"], path)
            if found is not None:
                content_type, body = found
                return Answer(200, content_type, b"" if method == "HEAD" else body)
        if target is not None:
            return _envelope(405, ErrorCode.INVALID_ARGUMENT, f"{method} {path}: POST calls a function, GET streams an event")
        return _envelope(404, ErrorCode.NOT_FOUND, f"{method} {path}: nothing here; POST /<module>/<function> calls a function, "
                                                   f"GET /<module>/<event> streams an event, GET {MANIFEST_PATH} describes the node")

    def _channel(self) -> HttpChannel:
        if self.channel is None:
            self.channel = HttpChannel(f"http client {self.peer}", self.stream, self.server.context)
            self.server._accept(self.channel)
        return self.channel

    async def _open(self, headers: dict[str, str]) -> HttpChannel:
        channel = self._channel()
        await channel.open(bearer_token(headers.get("authorization")))
        return channel

    async def _whole_body(self) -> bytes:
        parts = []
        async for chunk in self._body():
            parts.append(chunk)
        return b"".join(parts)

    async def _body(self) -> AsyncIterator[bytes]:
        while True:
            event = await self._next_event()
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return
            else:
                raise ConnectionError("the client closed inside a body")

    async def _call(self, target: str, headers: dict[str, str]) -> Answer:
        try:
            channel = await self._open(headers)
            kind = await channel.function_kind(target)
        except HttpRefusal as r:
            r.answer.close = r.answer.status == 401
            return r.answer
        if kind == "stream":
            return _envelope(501, ErrorCode.UNIMPLEMENTED, streams_not_over_http(target))
        return await self._exchange(FrameKind.ONEWAY if kind == "oneway" else FrameKind.REQUEST, target, headers)

    async def _exchange(self, kind: FrameKind, target: str, headers: dict[str, str]) -> Answer:
        """A REQUEST, ONEWAY or PING whose payload is the body, streamed in as it arrives."""
        try:
            channel = await self._open(headers)
        except HttpRefusal as r:
            r.answer.close = r.answer.status == 401
            return r.answer
        codec = "json" if kind == FrameKind.PING else codec_of_content_type(headers.get("content-type"))
        if codec is None:
            return _envelope(415, ErrorCode.INVALID_ARGUMENT, f'Content-Type "{headers.get("content-type")}" is not a codec: '
                                                             "send application/json, application/msgpack, application/x-protobuf or application/x-flatbuffers")
        timeout_ms = 0
        if kind == FrameKind.REQUEST and TIMEOUT_HEADER in headers:
            raw = headers[TIMEOUT_HEADER]
            if not raw.isdigit() or len(raw) > 10 or not 1 <= int(raw) <= 2147483647:
                return _envelope(400, ErrorCode.INVALID_ARGUMENT, f'Interop-Timeout-Ms: expected a whole number of milliseconds from 1 to 2147483647, got "{raw}"')
            timeout_ms = int(raw)
        if "content-length" not in headers and "transfer-encoding" in headers:
            return _envelope(411, ErrorCode.INVALID_ARGUMENT, "send the body with a Content-Length (its size must be known before it is read, as a frame's is)")
        length = int(headers.get("content-length", "0"))
        # An empty body is an empty parameter list, so that `curl -X POST` calls a function without parameters.
        empty = {"json": b"{}", "msgpack": b"\x80", "protobuf": b"", "flatbuffers": b""}[codec] if length == 0 and kind != FrameKind.PING else None
        cid = channel.new_id()
        key = -cid if kind == FrameKind.ONEWAY else cid
        answered = channel.expect(key)
        frame = Frame(kind, CodecId.NONE if kind == FrameKind.PING else codec_id(codec), 0 if kind == FrameKind.ONEWAY else cid,
                      target, timeout_ms=timeout_ms)
        body = asyncio.ensure_future(channel.stream_body(frame, key, len(empty) if empty else length, empty or self._body()))
        try:
            if kind == FrameKind.ONEWAY:
                first: list[asyncio.Future[Any]] = [body, answered]
                await asyncio.wait(first, return_when=asyncio.FIRST_COMPLETED)
                if not answered.done():
                    channel.forget(key)
                    return Answer(202, "", b"")
                return self._answer(channel, answered)
            # This side is the node's caller (docs/wire.md §6): the deadline passing, or the client
            # leaving, cancels the handler.
            watch = asyncio.ensure_future(self._watch_client(body))
            try:
                async with asyncio.timeout(timeout_ms / 1000 if timeout_ms else None):
                    either: list[asyncio.Future[Any]] = [answered, watch]
                    await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            except TimeoutError:
                channel.cancel(cid)
                return error_answer(ErrorCode.DEADLINE_EXCEEDED, f"{target}: deadline of {timeout_ms} ms exceeded", codec)
            finally:
                watch.cancel()
            if not answered.done():
                channel.cancel(cid)
                channel.client_gone()
                return Answer(499, "", b"", close=True)
            return self._answer(channel, answered)
        finally:
            if not body.done():
                body.cancel()

    def _answer(self, channel: HttpChannel, answered: asyncio.Future[Frame]) -> Answer:
        error = answered.exception() if not answered.cancelled() else None
        if isinstance(error, HttpRefusal):
            return error.answer
        if error is not None or answered.cancelled():
            return _envelope(503, ErrorCode.UNAVAILABLE, "the node closed the connection")
        return channel.answer_of(answered.result())

    async def _watch_client(self, body: asyncio.Future[None]) -> None:
        """Returns when the client closed its connection (once the body is in)."""
        try:
            await body
        except Exception:
            return
        while True:
            data = await self.stream.read()
            if not data:
                return
            self.h11.receive_data(data)  # a pipelined request: kept for the next cycle

    async def _events(self, target: str, headers: dict[str, str]) -> Answer | None:
        """GET /<module>/<event>: a SUBSCRIBE in JSON, then each EVENT as a Server-Sent Event."""
        try:
            channel = await self._open(headers)
        except HttpRefusal as r:
            return r.answer
        cid = channel.new_id()
        try:
            frame = await channel.exchange(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, cid, target))
        except HttpRefusal as r:
            return r.answer
        if frame.kind != FrameKind.RESPONSE:
            return channel.answer_of(frame)
        head = self.h11.send(h11.Response(status_code=200, reason=b"OK", headers=[
            ("Content-Type", "text/event-stream; charset=utf-8"), ("Cache-Control", "no-store"), ("X-Accel-Buffering", "no")]))
        self.stream.write(head + self.h11.send(h11.Data(data=f": subscribed to {target}\n\n".encode())))

        def emit(member: str, payload: bytes) -> None:
            self.stream.write(self.h11.send(h11.Data(data=b"event: " + member.encode() + b"\ndata: " + payload + b"\n\n")))

        channel.streams[cid] = (target, emit)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        await self._unless_ending(self._watch_client(done))
        channel.unsubscribe(cid)
        return None

    async def _upgrade(self, method: str, headers: dict[str, str]) -> None:
        """Answers 101 and hands the socket, as a WebSocket, to the node."""
        key = headers.get("sec-websocket-key", "")
        why = ("open a WebSocket on a connection of its own, not on one that carried HTTP calls" if self.channel is not None
               else None if method == "GET" and headers.get("sec-websocket-version") == "13" and _WS_KEY.fullmatch(key)
               else "not a WebSocket version 13 upgrade")
        if why is not None:
            self.server.count("rejected_handshakes")
            await self._send(_envelope(400, ErrorCode.PROTOCOL_ERROR, why), close=True)
            return
        self.stream.write(self.h11.send(h11.InformationalResponse(status_code=101, headers=[
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Accept", accept_key(key))])))
        leftover = self.h11.trailing_data[0]
        protocol = Protocol(Side.SERVER, max_size=self.server.limits.max_frame_bytes + 4)
        scheme = "wss" if self.server.address.tls else "ws"
        self.upgraded = True
        await self.server.on_transport(WsTransport(self.stream, protocol, f"{scheme}://{self.peer}", bytes(leftover)))


__all__ = ["WebListener", "listen_web"]
