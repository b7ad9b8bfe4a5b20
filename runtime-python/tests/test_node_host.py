"""The node host's defaults and what a client is told when it reaches the wrong thing: a node
config without "modules" hosts every implementation it was given (docs/config.md, as in TS); a
module wanted on a control endpoint, and a peer that answers HELLO with HTTP, TLS or other bytes,
get errors that say what was reached (the same words as the TS runtime:
test/runtime/wrong-peer.test.ts)."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.connection import Connection
from interop_runtime.node import Node
from interop_runtime.transport.sockets import dial, parse_address

from test_connection import conf, make_impl  # noqa: F401  (conf is a fixture)


async def test_a_node_without_modules_hosts_every_implementation_it_was_given(conf: types.ModuleType, tmp_path: Path) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await Node.start({"node": "server", "listen": [address]},
                              implementations={conf.ConformanceModule.name: make_impl(conf)}, modules=[conf.ConformanceModule])
    client = await Node.start({"node": "client", "connect": [{"address": address, "modules": [conf.ConformanceModule.name]}]},
                              modules=[conf.ConformanceModule])
    try:
        assert sorted(server.served) == [conf.ConformanceModule.name]
        assert server.control("manifest")["bundle"]["roots"] == [conf.ConformanceModule.name]
        assert await conf.ConformanceClient(client).add(2, 3) == 5
    finally:
        await client.close(100)
        await server.close(100)


async def test_a_module_wanted_on_a_control_endpoint_gets_a_hint(conf: types.ModuleType, tmp_path: Path) -> None:
    control = f"unix:{tmp_path}/c.sock"
    server = await Node.start({"node": "server", "control": control},
                              implementations={conf.ConformanceModule.name: make_impl(conf)}, modules=[conf.ConformanceModule])
    try:
        with pytest.raises(InteropError) as refused:
            await Connection.open(await dial(parse_address(control)), initiator=True, node="client",
                                  wants=[conf.ConformanceModule])
        assert refused.value.code == ErrorCode.NOT_FOUND
        assert refused.value.message == (
            "module interop.conformance is not offered on this connection: this is a control endpoint, which serves "
            "only interop.control (manifest, health); call the node at one of its data endpoints (the \"listen\" "
            "addresses of its config)")
    finally:
        await server.close(100)


#: What each kind of peer answers, and what the client says it reached.
FOREIGN = [
    (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
     'the peer does not speak the interop protocol: it answered like an HTTP server: "HTTP/1.1 400 Bad Request"'),
    # A TLS alert record (fatal, protocol_version). Many TLS servers close without one instead.
    (bytes([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]),
     "the peer does not speak the interop protocol: it answered like a TLS server (interop connections are not TLS)"),
    (b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
     'the peer does not speak the interop protocol: it answered with text: "SSH-2.0-OpenSSH_9.2p1 Debian-2"'),
    (bytes(range(250, 256)) + bytes(10),
     "the peer does not speak the interop protocol: it answered with bytes fa fb fc fd fe ff 00 00"),
]


async def test_a_peer_that_closes_without_answering_is_said_to(tmp_path: Path) -> None:
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.close()

    server = await asyncio.start_unix_server(close_at_once, path=str(tmp_path / "mute.sock"))
    try:
        with pytest.raises(InteropError) as refused:
            await Connection.open(await dial(parse_address(f"unix:{tmp_path}/mute.sock")), initiator=True, node="client")
        assert (refused.value.code, refused.value.message) == (
            ErrorCode.UNAVAILABLE,
            "connection lost during handshake: the peer closed the connection without answering HELLO (so do a "
            "process that exited, a node out of file descriptors, and a server of another protocol such as TLS)")
    finally:
        server.close()


@pytest.mark.parametrize("answer, message", FOREIGN)
async def test_a_peer_that_is_not_an_interop_node_is_named(tmp_path: Path, answer: bytes, message: str) -> None:
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(answer)
        await writer.drain()
        await reader.read()  # until the client closes
        writer.close()

    server = await asyncio.start_unix_server(serve, path=str(tmp_path / "other.sock"))
    try:
        with pytest.raises(InteropError) as refused:
            await Connection.open(await dial(parse_address(f"unix:{tmp_path}/other.sock")), initiator=True, node="client")
        assert (refused.value.code, refused.value.message) == (ErrorCode.PROTOCOL_ERROR, message)
    finally:
        server.close()

