"""Hostile clients of a web listener, as test/runtime/web-hostile.test.ts checks them in TS: headers
that trickle in (slowloris) on a new connection and on a kept-alive one, headers too large,
WebSocket upgrades that are not WebSocket version 13. Each gets a typed answer or the connection
closed, counted where docs/wire.md §7 says, within a bound that holds on a loaded machine; and a
well-behaved client is served meanwhile."""

from __future__ import annotations

import asyncio
import json
import time
import types
from typing import Any

import pytest

from interop_runtime.node import Node

from test_connection import conf  # noqa: F401  (a fixture)
from test_web import nodes, post, raw, serve, status_of  # noqa: F401  (nodes is a fixture)


async def connect(address: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    host, port = address.split("://")[1].rsplit(":", 1)
    return await asyncio.open_connection(host, int(port))


async def trickle(writer: asyncio.StreamWriter, every_s: float, max_s: float) -> None:
    """A header line every `every_s` until the connection closes (or `max_s` pass)."""
    end = time.monotonic() + max_s
    i = 0
    while not writer.is_closing() and time.monotonic() < end:
        try:
            writer.write(f"X-Slow-{i}: aaaaaaaa\r\n".encode())
            await writer.drain()
        except ConnectionError:
            return
        i += 1
        await asyncio.sleep(every_s)


async def served(address: str) -> int:
    """A well-behaved call over its own connection: the listener still serves."""
    answer = await raw(address, post(address, "/interop.conformance/add", b'{"a":1,"b":2}'))
    assert answer.endswith(b'"3"')
    return status_of(answer)


async def until_closed(reader: asyncio.StreamReader) -> bytes:
    data = b""
    async with asyncio.timeout(20):
        while chunk := await reader.read(65536):
            data += chunk
    return data


def envelope(answer: bytes) -> Any:
    return json.loads(answer.partition(b"\r\n\r\n")[2])


async def test_headers_trickling_in_on_a_new_connection(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf, limits={"handshake_timeout_ms": 300})
    nodes.append(server)
    reader, writer = await connect(address)
    started = time.monotonic()
    writer.write(f"POST /interop.conformance/add HTTP/1.1\r\nHost: {address.split('://')[1]}\r\n".encode())
    slow = asyncio.ensure_future(trickle(writer, 0.05, 20))
    assert await served(address) == 200
    await until_closed(reader)
    assert time.monotonic() - started < 5  # 300 ms, plus slack for a loaded machine
    assert server.counters.rejected_handshakes == 1
    slow.cancel()
    writer.close()


async def test_headers_of_a_later_request_trickling_in(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf, limits={"frame_timeout_ms": 300})
    nodes.append(server)
    reader, writer = await connect(address)
    writer.write(post(address, "/interop.conformance/add", b'{"a":1,"b":2}'))
    first = b""
    async with asyncio.timeout(10):
        while not first.endswith(b'"3"'):
            first += await reader.read(65536)
    assert status_of(first) == 200
    started = time.monotonic()
    writer.write(f"POST /interop.conformance/add HTTP/1.1\r\nHost: {address.split('://')[1]}\r\n".encode())
    slow = asyncio.ensure_future(trickle(writer, 0.05, 20))
    assert await served(address) == 200
    answer = await until_closed(reader)
    assert time.monotonic() - started < 5
    assert status_of(answer) == 408
    assert envelope(answer) == {"code": 8, "message": "headers not complete within 300 ms (frame_timeout_ms)"}
    assert server.counters.frame_timeouts == 1
    slow.cancel()
    writer.close()


async def test_headers_too_large(conf: types.ModuleType, nodes: list[Node]) -> None:
    server, _impl, address = await serve(conf)
    nodes.append(server)
    host = address.split("://")[1]
    answer = await raw(address, f"GET /.well-known/interop/health HTTP/1.1\r\nHost: {host}\r\nX-Big: {'b' * 20 * 1024}\r\n\r\n".encode(),
                       wait_close=True)
    assert status_of(answer) == 431
    assert envelope(answer)["code"] == 102 and "bad HTTP request" in envelope(answer)["message"]
    assert await served(address) == 200


@pytest.mark.parametrize("extra", [
    "Sec-WebSocket-Version: 13\r\n",
    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n",
    "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
], ids=["no key", "a key that is not 16 bytes in base64", "another version"])
async def test_bad_websocket_upgrades(conf: types.ModuleType, nodes: list[Node], extra: str) -> None:
    server, _impl, address = await serve(conf)
    nodes.append(server)
    host = address.split("://")[1]
    request = f"GET / HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n{extra}\r\n"
    answer = await raw(address, request.encode(), wait_close=True)
    assert status_of(answer) == 400
    assert envelope(answer) == {"code": 102, "message": "not a WebSocket version 13 upgrade"}
    assert server.counters.rejected_handshakes == 1
    assert await served(address) == 200
