"""The protobuf codec on the wire (docs/wire.md §1.2, §2, §4) and the codec per function or event
(docs/config.md "Codec per function or event"), with code generated from the conformance schema,
nodes started from config: every frame each connection reads is recorded, so the tests check the
codec byte of each one. Hostile protobuf payloads get their typed ERROR, in protobuf, and the
connection is served on."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime import ErrorCode
from interop_runtime.conn_inbound import Inbound
from interop_runtime.envelope import decode_envelope
from interop_runtime.frames import CodecId, Frame, FrameKind, encode_frame
from interop_runtime.node import Node
from interop_runtime.node_config import ConfigError

from conftest import REPO, import_generated
from test_connection import make_impl, raw_frames

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"
MODULE = "interop.conformance"


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


async def start_server(conf: types.ModuleType, address: str) -> Node:
    impl = make_impl(conf)
    server = await Node.start({"node": "server", "modules": [MODULE], "listen": [address]},
                              implementations={MODULE: impl}, modules=[conf.ConformanceModule])
    impl.events = conf.ConformanceEvents(server)
    return server


@pytest.fixture
def frames_read(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bool, int, int, str]]:
    """(initiator, kind, codec, target) of every frame any connection dispatches."""
    seen: list[tuple[bool, int, int, str]] = []
    dispatch = Inbound._dispatch

    def recording(self: Any, frame: Frame) -> None:
        seen.append((self.initiator, int(frame.kind), int(frame.codec), frame.target))
        dispatch(self, frame)

    monkeypatch.setattr(Inbound, "_dispatch", recording)
    return seen


async def test_member_codecs_from_config(conf: types.ModuleType, tmp_path: Path,
                                        frames_read: list[tuple[bool, int, int, str]]) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    client_node = await Node.start(
        {"node": "client", "connect": [{"address": address, "modules": [MODULE], "codec": "msgpack",
                                        "member_codecs": {f"{MODULE}.add": "protobuf", f"{MODULE}.ticked": "json"}}]},
        modules=[conf.ConformanceModule])
    try:
        client = conf.ConformanceClient(client_node)
        ticks: list[Any] = []
        await client.subscribe_ticked(ticks.append)
        assert await client.add(2, 40) == 42
        with pytest.raises(conf.NotFound):
            await client.fail("not_found")
        await client.publish(2, "hi")
        for _ in range(200):
            if len(ticks) == 2:
                break
            await asyncio.sleep(0.01)
        assert [t.n for t in ticks] == [1, 2]
        conn = next(iter(client_node.connections))
        assert conn.peer_codecs == ["msgpack", "json", "protobuf", "flatbuffers"] and conn.send_codec == "msgpack"

        def codecs(initiator: bool, kind: FrameKind, target: str) -> list[int]:
            return [c for (i, k, c, t) in frames_read if i == initiator and k == kind and t == target]

        # What the server read: add in protobuf, the subscription to ticked in JSON, the rest in msgpack.
        assert codecs(False, FrameKind.REQUEST, f"{MODULE}.add") == [CodecId.PROTOBUF]
        assert codecs(False, FrameKind.SUBSCRIBE, f"{MODULE}.ticked") == [CodecId.JSON]
        assert codecs(False, FrameKind.REQUEST, f"{MODULE}.fail") == [CodecId.MSGPACK]
        assert codecs(False, FrameKind.REQUEST, f"{MODULE}.publish") == [CodecId.MSGPACK]
        # What the client read: the answers in the requests' codecs, the events in the subscription's.
        assert codecs(True, FrameKind.RESPONSE, f"{MODULE}.add") == [CodecId.PROTOBUF]
        assert codecs(True, FrameKind.EVENT, f"{MODULE}.ticked") == [CodecId.JSON, CodecId.JSON]
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_protobuf_link_and_declared_errors(conf: types.ModuleType, tmp_path: Path,
                                                 frames_read: list[tuple[bool, int, int, str]]) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    client_node = await Node.start({"node": "client", "connect": [{"address": address, "modules": [MODULE], "codec": "protobuf"}]},
                                   modules=[conf.ConformanceModule])
    try:
        client = conf.ConformanceClient(client_node)
        with pytest.raises(conf.NotFound) as nf:
            await client.fail("not_found")
        assert nf.value.key == "missing" and nf.value.code == ErrorCode.APPLICATION_ERROR
        assert [(k, c) for (i, k, c, t) in frames_read if i and t == f"{MODULE}.fail"] == [(FrameKind.ERROR, CodecId.PROTOBUF)]
    finally:
        await client_node.close(100)
        await server.close(100)


def test_config_refuses_unknown_members(conf: types.ModuleType) -> None:
    outside = {"node": "c", "connect": [{"address": "unix:/x.sock", "modules": [MODULE], "member_codecs": {"other.m.add": "json"}}]}
    with pytest.raises(ConfigError) as e:
        asyncio.run(Node.start(outside, modules=[conf.ConformanceModule]))
    assert f"connect[0].member_codecs[\"other.m.add\"]: \"other.m.add\" is not a member of this entry's modules" in str(e.value)
    unknown = {"node": "c", "connect": [{"address": "unix:/x.sock", "modules": [MODULE], "member_codecs": {f"{MODULE}.nope": "json"}}]}
    with pytest.raises(ConfigError) as e:
        asyncio.run(Node.start(unknown, modules=[conf.ConformanceModule]))
    assert f"connect[0].member_codecs[\"{MODULE}.nope\"]: {MODULE} has no function or event named nope" in str(e.value)


@pytest.mark.parametrize(("payload", "code", "message"), [
    ("08", ErrorCode.INVALID_ARGUMENT, "truncated varint"),
    ("0a 01 00", ErrorCode.INVALID_ARGUMENT, "wire type length-delimited where the schema wants varint"),
    ("1a ffffffff07", ErrorCode.RESOURCE_EXHAUSTED, "length of 2147483647 but only 0 bytes left"),
    ("0b", ErrorCode.INVALID_ARGUMENT, "group start (field 1) is not supported"),
])
async def test_hostile_protobuf_over_the_wire(conf: types.ModuleType, tmp_path: Path,
                                              payload: str, code: int, message: str) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    try:
        hello = b'{"codecs":["protobuf"],"node":"raw","offers":{},"protocol":[1],"wants":{}}'
        reader, writer = await asyncio.open_unix_connection(f"{tmp_path}/s.sock")
        writer.write(encode_frame(Frame(FrameKind.HELLO, CodecId.JSON, payload=hello)))
        assert (await raw_frames(reader, 1))[0].kind == FrameKind.WELCOME
        writer.write(encode_frame(Frame(FrameKind.REQUEST, CodecId.PROTOBUF, 7, f"{MODULE}.add", bytes.fromhex(payload))))
        (error,) = await raw_frames(reader, 1)
        assert (error.kind, error.codec, error.correlation) == (FrameKind.ERROR, CodecId.PROTOBUF, 7)
        env = decode_envelope(error.payload, "protobuf", 64)
        assert env.code == code and message in env.message
        # Served on: a good protobuf call on the same connection.
        params = conf.ConformanceModule.functions["add"].params.encode((1, 2), "protobuf")
        writer.write(encode_frame(Frame(FrameKind.REQUEST, CodecId.PROTOBUF, 8, f"{MODULE}.add", params)))
        (ok,) = await raw_frames(reader, 1)
        assert (ok.kind, ok.codec, ok.correlation) == (FrameKind.RESPONSE, CodecId.PROTOBUF, 8)
        assert conf.ConformanceModule.functions["add"].result.decode(ok.payload, "protobuf", 64) == 3
        writer.close()
    finally:
        await server.close(100)
