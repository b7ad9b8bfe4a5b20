"""The flatbuffers codec on the wire (docs/wire.md §1.2, §2, §3.6, §4): a link whose config codec is
"flatbuffers" sends every REQUEST, SUBSCRIBE and ONEWAY in codec 4 and gets its answers, ERROR
envelopes (declared errors with their fields) and EVENTs back in it; `member_codecs` picks
flatbuffers for one function of a msgpack link; hostile FlatBuffers get a typed ERROR in
flatbuffers and the connection is served on."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime import ErrorCode
from interop_runtime.envelope import decode_envelope
from interop_runtime.frames import CodecId, Frame, FrameKind, encode_frame
from interop_runtime.node import Node

from test_connection import raw_frames
from test_member_codecs import MODULE, conf, frames_read, start_server  # noqa: F401  (fixtures)


def read_by(frames: list[tuple[bool, int, int, str]], initiator: bool, kind: FrameKind, target: str) -> list[int]:
    return [c for (i, k, c, t) in frames if i == initiator and k == kind and t == f"{MODULE}.{target}"]


async def test_flatbuffers_link(conf: types.ModuleType, tmp_path: Path, frames_read: list[tuple[bool, int, int, str]]) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    client_node = await Node.start({"node": "client", "connect": [{"address": address, "modules": [MODULE], "codec": "flatbuffers"}]},
                                   modules=[conf.ConformanceModule])
    try:
        client = conf.ConformanceClient(client_node)
        ticks: list[Any] = []
        await client.subscribe_ticked(ticks.append)
        assert await client.add(2**62, 2**62 - 1) == 2**63 - 1
        assert await client.add(-3, 0) == -3
        with pytest.raises(conf.NotFound) as nf:
            await client.fail("not_found")
        assert nf.value.key == "missing" and nf.value.code == ErrorCode.APPLICATION_ERROR
        await client.publish(2, "hi")
        for _ in range(200):
            if len(ticks) == 2:
                break
            await asyncio.sleep(0.01)
        assert [t.n for t in ticks] == [1, 2]
        conn = next(iter(client_node.connections))
        assert conn.send_codec == "flatbuffers" and "flatbuffers" in conn.peer_codecs
        assert read_by(frames_read, False, FrameKind.REQUEST, "add") == [CodecId.FLATBUFFERS] * 2
        assert read_by(frames_read, False, FrameKind.ONEWAY, "publish") + read_by(frames_read, False, FrameKind.REQUEST, "publish") == [CodecId.FLATBUFFERS]
        assert read_by(frames_read, False, FrameKind.SUBSCRIBE, "ticked") == [CodecId.FLATBUFFERS]
        assert read_by(frames_read, True, FrameKind.RESPONSE, "add") == [CodecId.FLATBUFFERS] * 2
        assert read_by(frames_read, True, FrameKind.ERROR, "fail") == [CodecId.FLATBUFFERS]
        assert read_by(frames_read, True, FrameKind.EVENT, "ticked") == [CodecId.FLATBUFFERS] * 2
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_member_codec_flatbuffers(conf: types.ModuleType, tmp_path: Path, frames_read: list[tuple[bool, int, int, str]]) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    client_node = await Node.start(
        {"node": "client", "connect": [{"address": address, "modules": [MODULE], "codec": "msgpack",
                                        "member_codecs": {f"{MODULE}.add": "flatbuffers"}}]},
        modules=[conf.ConformanceModule])
    try:
        client = conf.ConformanceClient(client_node)
        assert await client.add(2, 40) == 42
        with pytest.raises(conf.NotFound):
            await client.fail("not_found")
        assert read_by(frames_read, False, FrameKind.REQUEST, "add") == [CodecId.FLATBUFFERS]
        assert read_by(frames_read, False, FrameKind.REQUEST, "fail") == [CodecId.MSGPACK]
    finally:
        await client_node.close(100)
        await server.close(100)


@pytest.mark.parametrize(("payload", "code", "message"), [
    ("0c0000", ErrorCode.INVALID_ARGUMENT, "add: a payload of 3 bytes (a FlatBuffer has at least 4)"),
    ("40000000", ErrorCode.INVALID_ARGUMENT, "add: the offset at 0 points outside the payload (4 bytes)"),
    ("08000000" + "05000400" + "04000000", ErrorCode.INVALID_ARGUMENT, "add: the vtable at 4 has size 5 (odd or below 4)"),
    ("0c000000" + "06000800" + "04000000" + "08000000" + "00000080", ErrorCode.INVALID_ARGUMENT, "add.a: field 0 at offset 4 is past the table's 8 bytes"),
    ("0c000000" + "06000c00" + "04000000" + "08000000" + "00000080", ErrorCode.INVALID_ARGUMENT, "add.a: field 0 of the table at 12 ends past the payload"),
])
async def test_hostile_flatbuffers_over_the_wire(conf: types.ModuleType, tmp_path: Path, payload: str, code: int, message: str) -> None:
    address = f"unix:{tmp_path}/s.sock"
    server = await start_server(conf, address)
    try:
        hello = b'{"codecs":["flatbuffers"],"node":"raw","offers":{},"protocol":[1],"wants":{}}'
        reader, writer = await asyncio.open_unix_connection(f"{tmp_path}/s.sock")
        writer.write(encode_frame(Frame(FrameKind.HELLO, CodecId.JSON, payload=hello)))
        assert (await raw_frames(reader, 1))[0].kind == FrameKind.WELCOME
        writer.write(encode_frame(Frame(FrameKind.REQUEST, CodecId.FLATBUFFERS, 7, f"{MODULE}.add", bytes.fromhex(payload))))
        (error,) = await raw_frames(reader, 1)
        assert (error.kind, error.codec, error.correlation) == (FrameKind.ERROR, CodecId.FLATBUFFERS, 7)
        env = decode_envelope(error.payload, "flatbuffers", 64)
        assert env.code == code and message in env.message, env.message
        # Served on: a good flatbuffers call on the same connection.
        add = conf.ConformanceModule.functions["add"]
        writer.write(encode_frame(Frame(FrameKind.REQUEST, CodecId.FLATBUFFERS, 8, f"{MODULE}.add", add.params.encode((1, 2), "flatbuffers"))))
        (ok,) = await raw_frames(reader, 1)
        assert (ok.kind, ok.codec, ok.correlation) == (FrameKind.RESPONSE, CodecId.FLATBUFFERS, 8)
        assert add.result.decode(ok.payload, "flatbuffers", 64) == 3
        writer.close()
    finally:
        await server.close(100)
