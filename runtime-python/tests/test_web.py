"""WebSocket and HTTP transports in the Python runtime (docs/transports.md, "WebSocket and HTTP"),
as test/runtime/web-*.test.ts checks them in TS: generated clients over ws:// and http:// with the
same errors, deadlines, cancellation, one-way calls and events; HTTP without generated code; and
each refusal of the security rules, counted where docs/wire.md §7 says."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import types
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.node import Node

from test_connection import conf, make_impl  # noqa: F401  (conf is a fixture)

async def serve(conf: types.ModuleType, scheme: str = "http", **config: Any) -> tuple[Node, Any, str]:
    """A node hosting the conformance module on a web listener; `config` adds to its node config."""
    impl = make_impl(conf)
    notes: list[str] = []

    async def note(text: str, ctx: Any) -> None:
        notes.append(text)

    async def last_note(ctx: Any) -> str:
        return notes[-1] if notes else ""

    impl.note, impl.last_note = note, last_note
    node = await Node.start({"node": "server", "listen": [f"{scheme}://127.0.0.1:0"], **config},
                            implementations={conf.ConformanceModule.name: impl}, modules=[conf.ConformanceModule])
    impl.events = conf.ConformanceEvents(node)
    return node, impl, node.endpoints[0]


@pytest.fixture
async def nodes() -> AsyncIterator[list[Node]]:
    started: list[Node] = []
    yield started
    for node in reversed(started):
        await node.close(100)


async def client_of(conf: types.ModuleType, nodes: list[Node], address: str, **entry: Any) -> Any:
    node = await Node.start({"node": "client", "connect": [{"address": address, "modules": [conf.ConformanceModule.name], **entry}]},
                            modules=[conf.ConformanceModule])
    nodes.append(node)
    return conf.ConformanceClient(node)


async def raw(address: str, request: bytes, *, wait_close: bool = False) -> bytes:
    """Sends bytes to a web address and returns what comes back (until close, or one answer)."""
    host, port = address.split("://")[1].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(request)
    data = b""
    try:
        async with asyncio.timeout(10):
            while chunk := await reader.read(65536):
                data += chunk
                if not wait_close and b"\r\n\r\n" in data:
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), None)
                    if length is not None and len(body) >= length:
                        break
    finally:
        writer.close()
    return data


def post(address: str, path: str, body: bytes, headers: str = "") -> bytes:
    host = address.split("://")[1]
    return f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n{headers}\r\n".encode() + body


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def body_of(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


# ---- generated clients over ws:// and http:// ----------------------------------------------------

@pytest.mark.parametrize("codec", ["json", "msgpack", "flatbuffers"])
@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_calls_errors_deadlines_and_cancellation(conf: types.ModuleType, nodes: list[Node], scheme: str, codec: str) -> None:
    server, impl, address = await serve(conf, scheme)
    nodes.append(server)
    assert address.startswith(f"{scheme}://127.0.0.1:")
    client = await client_of(conf, nodes, address, codec=codec)
    assert await client.add(2**62, 2**62 - 1) == 2**63 - 1
    with pytest.raises(conf.NotFound) as nf:
        await client.fail("not_found")
    assert nf.value.key == "missing"
    with pytest.raises(InteropError) as internal:
        await client.fail("internal")
    assert internal.value.code == ErrorCode.INTERNAL
    with pytest.raises(InteropError) as unimpl:
        await client.unimplemented(1)
    assert unimpl.value.code == ErrorCode.UNIMPLEMENTED
    with pytest.raises(InteropError) as late:
        await client.slow(5000, timeout_ms=50)
    assert late.value.code == ErrorCode.DEADLINE_EXCEEDED
    task = asyncio.ensure_future(client.slow(5000))
    await asyncio.sleep(0.1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if impl.cancelled == 2:
            break
        await asyncio.sleep(0.02)
    assert impl.cancelled == 2  # the deadline and the cancel reached the handler


@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_one_way_calls_and_events(conf: types.ModuleType, nodes: list[Node], scheme: str) -> None:
    server, _impl, address = await serve(conf, scheme)
    nodes.append(server)
    client = await client_of(conf, nodes, address)
    ticks: list[Any] = []
    pings: list[int] = []
    got = asyncio.Event()

    async def on_tick(tick: Any) -> None:
        ticks.append((tick.n, tick.text))

    async def on_ping() -> None:
        pings.append(1)
        got.set()

    await client.subscribe_ticked(on_tick)
    await client.subscribe_pinged(on_ping)
    client.note("first")
    await client.publish(3, "hi")
    async with asyncio.timeout(5):
        await got.wait()
    assert ticks == [(1, "hi"), (2, "hi"), (3, "hi")]
    assert await client.last_note() == "first"


@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_streams_over_websocket_and_refused_over_http(conf: types.ModuleType, nodes: list[Node], scheme: str) -> None:
    """ws:// carries streams; over http:// the client fails one with UNIMPLEMENTED (ADR 0023)."""
    server, impl, address = await serve(conf, scheme)
    nodes.append(server)
    opened: list[list[int]] = []

    async def download(sizes: list[int], ctx: Any) -> AsyncIterator[bytes]:
        opened.append(sizes)
        for size in sizes:
            yield bytes(size)

    impl.download = download
    client = await client_of(conf, nodes, address)
    if scheme == "ws":
        assert [len(c) async for c in client.download([3, 0, 70_000])] == [3, 0, 70_000]
        return
    with pytest.raises(InteropError) as refused:
        async for _ in client.download([3]):
            pass
    assert refused.value.code == ErrorCode.UNIMPLEMENTED
    assert refused.value.message == ("interop.conformance.download is a stream function: streams are not carried over HTTP; "
                                     "call it over ws:// (or another transport)")
    assert opened == []


# ---- HTTP without generated code -----------------------------------------------------------------

async def test_http_calls_as_curl_makes_them(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf)
    nodes.append(server)
    form = "Content-Type: application/x-www-form-urlencoded\r\n"
    ok = await raw(address, post(address, "/interop.conformance/add", b'{"a":2,"b":"40"}', form))
    assert status_of(ok) == 200 and ok.endswith(b'"42"')
    declared = await raw(address, post(address, "/interop.conformance/fail", b'{"kind":"not_found"}'))
    assert status_of(declared) == 422
    assert body_of(declared) == {"code": 101, "message": body_of(declared)["message"], "type": "interop.conformance.NotFound", "detail": {"key": "missing"}}
    for path, body, status, code in [
        ("/interop.conformance/fail", b'{"kind":"internal"}', 500, 13),
        ("/interop.conformance/add", b'{"a":"x"}', 400, 3),
        ("/interop.conformance/unimplemented", b'{"v":1}', 501, 12),
        ("/interop.conformance/nosuch", b"{}", 501, 12),
        ("/interop.conformance/download", b'{"sizes":[1]}', 501, 12),
        ("/no.such/fn", b"{}", 404, 5),
    ]:
        answer = await raw(address, post(address, path, body))
        assert (path, status_of(answer), body_of(answer)["code"]) == (path, status, code)
    assert status_of(await raw(address, post(address, "/interop.conformance/add", b"{}", "Content-Type: text/csv\r\n"))) == 415
    assert status_of(await raw(address, post(address, "/interop.conformance/publish", b'{"count":0,"text":""}'))) == 204
    assert status_of(await raw(address, post(address, "/interop.conformance/note", b'{"text":"hello"}'))) == 202
    assert (await raw(address, post(address, "/interop.conformance/last_note", b""))).endswith(b'"hello"')
    slow = await raw(address, post(address, "/interop.conformance/slow", b'{"ms":5000}', "Interop-Timeout-Ms: 100\r\n"))
    assert status_of(slow) == 504 and body_of(slow)["code"] == 4
    host = address.split("://")[1]
    manifest = await raw(address, f"GET /.well-known/interop/manifest HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert body_of(manifest)["bundle"]["roots"] == ["interop.conformance"]
    nothing = await raw(address, f"GET /index.html HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert status_of(nothing) == 404 and "POST /<module>/<function> calls a function" in body_of(nothing)["message"]


async def test_http_methods_allow_and_head(conf: types.ModuleType, nodes: list[Node]) -> None:
    """405 names the methods a path takes (Allow); a HEAD is answered with headers only, so the
    next answer on the connection starts right after them (as TS and C: runtime-c/test/test_http.c)."""
    server, _impl, address = await serve(conf)
    nodes.append(server)
    host = address.split("://")[1]
    put = await raw(address, f"PUT /interop.conformance/add HTTP/1.1\r\nHost: {host}\r\nContent-Length: 2\r\n\r\n{{}}".encode())
    assert status_of(put) == 405 and b"\r\nAllow: GET, POST\r\n" in put
    assert body_of(put)["message"] == "PUT /interop.conformance/add: POST calls a function, GET streams an event"
    both = await raw(address, (f"HEAD /interop.conformance/add HTTP/1.1\r\nHost: {host}\r\n\r\n"
                               f"HEAD /nowhere HTTP/1.1\r\nHost: {host}\r\n\r\n"
                               f"GET /.well-known/interop/health HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").encode(), wait_close=True)
    head1, _, rest = both.partition(b"\r\n\r\n")
    head2, _, health = rest.partition(b"\r\n\r\n")
    assert status_of(head1) == 405 and b"\r\nAllow: GET, POST\r\n" in head1
    assert status_of(head2) == 404
    assert status_of(health) == 200 and body_of(health)["status"] == "ok"


async def test_http_events_are_server_sent_events(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, impl, address = await serve(conf)
    nodes.append(server)
    host, port = address.split("://")[1].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"GET /interop.conformance/* HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n\r\n".encode())
    head = await reader.readuntil(b": subscribed to interop.conformance.*\n\n")
    assert b"200 OK" in head and b"text/event-stream" in head
    impl.events.ticked(conf.Tick(n=7, text="x"))
    impl.events.pinged()
    data = b""
    async with asyncio.timeout(5):
        while data.count(b"\n\n") < 2:
            data += await reader.read(4096)
    writer.close()
    assert b'event: ticked\ndata: {"n":7,"text":"x"}\n\n' in data and b"event: pinged\ndata: \n\n" in data


async def test_a_client_that_hangs_up_cancels_the_handler(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, impl, address = await serve(conf)
    nodes.append(server)
    host, port = address.split("://")[1].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(post(address, "/interop.conformance/slow", b'{"ms":10000}'))
    for _ in range(100):
        if impl.active:
            break
        await asyncio.sleep(0.02)
    writer.close()
    for _ in range(100):
        if impl.cancelled:
            break
        await asyncio.sleep(0.02)
    assert impl.cancelled == 1


# ---- security ------------------------------------------------------------------------------------

async def test_host_and_origin_checks(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf)
    nodes.append(server)
    host = address.split("://")[1]
    body = b'{"a":1,"b":2}'
    rebound = await raw(address, post(address, "/interop.conformance/add", body).replace(host.encode(), b"rebound.example"))
    assert status_of(rebound) == 421 and "web.allowed_hosts" in body_of(rebound)["message"]
    foreign = await raw(address, post(address, "/interop.conformance/add", body, "Origin: http://evil.example\r\n"))
    assert status_of(foreign) == 403 and "web.allowed_origins" in body_of(foreign)["message"]
    own = await raw(address, post(address, "/interop.conformance/add", body, f"Origin: http://{host}\r\n"))
    assert status_of(own) == 200
    upgrade = (f"GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\nOrigin: http://evil.example\r\n\r\n").encode()
    assert status_of(await raw(address, upgrade)) == 403
    allowing, _impl2, address2 = await serve(conf, web={"allowed_origins": ["http://app.example"], "allowed_hosts": ["rebound.example"]})
    nodes.append(allowing)
    ok = await raw(address2, post(address2, "/interop.conformance/add", body, "Origin: http://app.example\r\n"))
    assert status_of(ok) == 200 and b"Access-Control-Allow-Origin: http://app.example" in ok
    assert status_of(await raw(address2, post(address2, "/interop.conformance/add", body).replace(address2.split("://")[1].encode(), b"rebound.example"))) == 200


@pytest.mark.parametrize("scheme", ["ws", "http"])
async def test_token(conf: types.ModuleType, nodes: list[Node], scheme: str) -> None:
    server, _impl, address = await serve(conf, scheme, token="s3cret")
    nodes.append(server)
    for auth in ("", "Authorization: Bearer wrong\r\n"):
        answer = await raw(address, post(address, "/interop.conformance/add", b'{"a":1,"b":2}', auth))
        assert status_of(answer) == 401 and body_of(answer)["code"] == ErrorCode.UNAUTHENTICATED
    assert server.counters.rejected_handshakes == 2
    wrong = await client_of(conf, nodes, address, token="nope")
    with pytest.raises(InteropError) as refused:
        await wrong.add(1, 2)
    assert refused.value.code == ErrorCode.UNAUTHENTICATED
    right = await client_of(conf, nodes, address, token="s3cret")
    assert await right.add(1, 2) == 3


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    d = tmp_path_factory.mktemp("tls")
    cert, key = str(d / "cert.pem"), str(d / "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], check=True, capture_output=True)
    return cert, key


@pytest.mark.parametrize("scheme", ["wss", "https"])
async def test_tls(conf: types.ModuleType, nodes: list[Node], scheme: str, certificate: tuple[str, str]) -> None:
    cert, key = certificate
    server, _impl, address = await serve(conf, scheme, tls={"cert": cert, "key": key})
    nodes.append(server)
    trusting = await client_of(conf, nodes, address, ca=cert)
    assert await trusting.add(2, 3) == 5
    wary = await client_of(conf, nodes, address)
    with pytest.raises(InteropError) as untrusted:
        await wary.add(2, 3)
    assert untrusted.value.code == ErrorCode.UNAVAILABLE and "certificate" in untrusted.value.message
    with pytest.raises(ValueError, match='needs a certificate: add "tls"'):
        await Node.start({"node": "x", "listen": [f"{scheme}://127.0.0.1:0"]})


async def test_limits_over_http(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf, limits={"max_frame_bytes": 1024, "frame_timeout_ms": 300})
    nodes.append(server)
    big = await raw(address, post(address, "/interop.conformance/echo_string", json.dumps({"v": "x" * 2000}).encode()))
    assert status_of(big) == 413 and body_of(big)["code"] == ErrorCode.RESOURCE_EXHAUSTED
    assert server.counters.rejected_frames == 1
    host = address.split("://")[1]
    trickle = await raw(address, f"POST /interop.conformance/echo_string HTTP/1.1\r\nHost: {host}\r\nContent-Length: 100\r\n\r\n{{\"v\":\"".encode(), wait_close=True)
    assert status_of(trickle) == 408
    assert server.counters.frame_timeouts == 1


async def test_limits_over_websocket(conf: types.ModuleType, nodes: list[Node]) -> None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed
    server, _impl, address = await serve(conf, "ws", limits={"max_frame_bytes": 1024})
    nodes.append(server)
    for message, code in ((bytes(2000), 1009), ("hello", 1003)):
        async with connect(address) as ws:
            await ws.send(message)
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == code
    for _ in range(100):
        if server.counters.rejected_frames == 2:
            break
        await asyncio.sleep(0.02)
    assert server.counters.rejected_frames == 2


@pytest.mark.parametrize("scheme", ["http", "ws"])
async def test_connections_past_max_connections_are_refused(conf: types.ModuleType, nodes: list[Node], scheme: str) -> None:
    server, _impl, address = await serve(conf, scheme, limits={"max_connections": 2})
    nodes.append(server)
    host, port = address.split("://")[1].rsplit(":", 1)
    held = [await asyncio.open_connection(host, int(port)) for _ in range(2)]
    await asyncio.sleep(0.05)
    client = await client_of(conf, nodes, address)
    with pytest.raises(InteropError) as refused:
        await client.add(1, 1)
    assert refused.value.code == ErrorCode.RESOURCE_EXHAUSTED and "max_connections (2)" in refused.value.message
    assert server.counters.rejected_connections >= 1
    for _reader, writer in held:
        writer.close()
    await asyncio.sleep(0.1)
    assert await client.add(1, 1) == 2


async def test_slow_and_idle_connections_are_closed(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf, limits={"handshake_timeout_ms": 200, "idle_timeout_ms": 150})
    nodes.append(server)
    assert await raw(address, b"", wait_close=True) == b""
    assert server.counters.rejected_handshakes == 1
    answer = await raw(address, post(address, "/interop.conformance/add", b'{"a":1,"b":2}'), wait_close=True)
    assert status_of(answer) == 200
    assert server.counters.idle_timeouts == 1


async def test_static_files_stay_in_their_directory(conf: types.ModuleType, nodes: list[Node], tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<p>hi</p>")
    (tmp_path / "secret.txt").write_text("secret")
    os.symlink(tmp_path / "secret.txt", tmp_path / "site" / "leak.txt")
    server, _impl, address = await serve(conf, web={"static": str(tmp_path / "site")})
    nodes.append(server)
    host = address.split("://")[1]
    index = await raw(address, f"GET / HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    assert status_of(index) == 200 and index.endswith(b"<p>hi</p>") and b"text/html; charset=utf-8" in index
    for path in ("/../secret.txt", "/%2e%2e/secret.txt", "/leak.txt", "/nothing.html"):
        assert (path, status_of(await raw(address, f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()))) == (path, 404)
