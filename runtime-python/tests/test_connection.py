"""Connections end to end over real sockets, with code generated from the conformance schema:
calls and typed errors in both codecs, deadlines, cancellation, max_in_flight both ways, event
queues with counted drops, peer death, malformed frames, handshake checks, control channel."""

from __future__ import annotations

import asyncio
import dataclasses
import types
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from interop_runtime import CallContext, ErrorCode, InteropError, Limits
from interop_runtime.connection import Connection, call_control
from interop_runtime.frames import Frame, FrameDecoder, FrameKind, encode_frame
from interop_runtime.node import Node

from conftest import REPO, import_generated

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


def make_impl(conf: types.ModuleType) -> Any:
    class Impl(conf.ConformanceHandlers):  # type: ignore[misc, name-defined]
        def __init__(self) -> None:
            self.active = 0
            self.peak = 0
            self.cancelled = 0
            self.events: Any = None

        async def add(self, a: int, b: int, ctx: CallContext) -> int:
            return a + b

        async def fail(self, kind: str, ctx: CallContext) -> str:
            if kind == "not_found":
                raise conf.NotFound(key="missing")
            if kind == "internal":
                raise RuntimeError("boom")
            if kind == "timeout":
                raise TimeoutError("the handler's own")  # not the call's deadline
            return kind

        async def slow(self, ms: int, ctx: CallContext) -> int:
            self.active += 1
            self.peak = max(self.peak, self.active)
            try:
                await asyncio.sleep(ms / 1000)
                return ms
            except asyncio.CancelledError:
                self.cancelled += 1
                raise
            finally:
                self.active -= 1

        async def publish(self, count: int, text: str, ctx: CallContext) -> None:
            for n in range(1, count + 1):
                self.events.ticked(conf.Tick(n=n, text=text))
            self.events.pinged()

    return Impl()


Pair = tuple[Node, Any, Node, Any]


async def start_pair(conf: types.ModuleType, address: str, codec: str = "msgpack",
                     server_limits: Limits = Limits(), client_limits: Limits = Limits()) -> Pair:
    server = Node("server", limits=server_limits)
    impl = make_impl(conf)
    impl.events = conf.ConformanceEvents(server)
    server.serve(conf.ConformanceModule, impl)
    bound = await server.listen(address)
    client_node = Node("client", limits=client_limits)
    await client_node.connect(bound, [conf.ConformanceModule], codec=codec)  # type: ignore[arg-type]
    return server, impl, client_node, conf.ConformanceClient(client_node)


@pytest.fixture
async def pair(conf: types.ModuleType, tmp_path: Path) -> AsyncIterator[Pair]:
    p = await start_pair(conf, f"unix:{tmp_path}/s.sock")
    yield p
    await p[2].close(100)
    await p[0].close(100)


@pytest.mark.parametrize("codec", ["msgpack", "json", "protobuf", "flatbuffers"])
@pytest.mark.parametrize("transport", ["unix", "tcp"])
async def test_calls_and_typed_errors(conf: types.ModuleType, tmp_path: Path, transport: str, codec: str) -> None:
    address = f"unix:{tmp_path}/s.sock" if transport == "unix" else "tcp://127.0.0.1:0"
    server, _impl, client_node, client = await start_pair(conf, address, codec)
    try:
        assert await client.add(2**62, 2**62 - 1) == 2**63 - 1
        with pytest.raises(conf.NotFound) as nf:
            await client.fail("not_found")
        assert nf.value.key == "missing" and nf.value.code == ErrorCode.APPLICATION_ERROR
        with pytest.raises(InteropError) as internal:
            await client.fail("internal")
        assert internal.value.code == ErrorCode.INTERNAL and "boom" in internal.value.message
        with pytest.raises(InteropError) as own_timeout:
            await client.fail("timeout")
        assert own_timeout.value.code == ErrorCode.INTERNAL
        assert own_timeout.value.message == "TimeoutError: the handler's own"
        with pytest.raises(InteropError) as unimpl:
            await client.unimplemented(1)
        assert unimpl.value.code == ErrorCode.UNIMPLEMENTED
        assert next(iter(client_node.connections)).send_codec == codec
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_deadline_cancels_the_handler(pair: Pair) -> None:
    _server, impl, _client_node, client = pair
    started = asyncio.get_running_loop().time()
    with pytest.raises(InteropError) as info:
        await client.slow(5000, timeout_ms=50)
    assert info.value.code == ErrorCode.DEADLINE_EXCEEDED
    assert asyncio.get_running_loop().time() - started < 1
    for _ in range(100):
        if impl.cancelled:
            break
        await asyncio.sleep(0.01)
    assert impl.cancelled == 1  # CANCEL reached the server and cancelled the handler's task


async def test_caller_cancel_sends_cancel(pair: Pair) -> None:
    _server, impl, _client_node, client = pair
    task = asyncio.create_task(client.slow(5000))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(100):
        if impl.cancelled:
            break
        await asyncio.sleep(0.01)
    assert impl.cancelled == 1
    assert await client.add(1, 2) == 3  # the connection goes on


async def test_client_waits_for_a_free_slot(conf: types.ModuleType, tmp_path: Path) -> None:
    server, impl, client_node, client = await start_pair(
        conf, f"unix:{tmp_path}/s.sock", client_limits=Limits(max_in_flight=2))
    try:
        results = await asyncio.gather(*(client.slow(30) for _ in range(6)))
        assert results == [30] * 6 and impl.peak == 2
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_server_refuses_excess_in_flight(conf: types.ModuleType, tmp_path: Path) -> None:
    server, _impl, client_node, client = await start_pair(
        conf, f"unix:{tmp_path}/s.sock", server_limits=Limits(max_in_flight=2))
    try:
        results = await asyncio.gather(*(client.slow(100) for _ in range(4)), return_exceptions=True)
        refused = [r for r in results if isinstance(r, InteropError)]
        assert len(refused) == 2 and all(r.code == ErrorCode.RESOURCE_EXHAUSTED for r in refused)
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_events_in_order_and_drops_counted(conf: types.ModuleType, tmp_path: Path) -> None:
    server, _impl, client_node, client = await start_pair(
        conf, f"unix:{tmp_path}/s.sock", client_limits=Limits(max_event_queue=3))
    try:
        got: list[int] = []
        gate = asyncio.Event()

        async def on_tick(tick: Any) -> None:
            await gate.wait()  # a slow subscriber: the queue fills up
            got.append(tick.n)

        pinged = asyncio.Event()
        sub = await client.subscribe_ticked(on_tick)
        await client.subscribe_pinged(pinged.set)
        await client.publish(20, "x")
        await asyncio.wait_for(pinged.wait(), 5)
        gate.set()
        for _ in range(100):
            if len(got) >= 3:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        # drop_oldest with a queue of 3: the newest three were kept, 17 drops were counted. (The
        # 20 events arrive together, before the subscriber's task takes the first one.)
        assert got[-3:] == [18, 19, 20] and len(got) + sub.dropped == 20
        assert client_node.counters.dropped_events == sub.dropped >= 16
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_peer_death_fails_pending_calls(pair: Pair) -> None:
    server, _impl, _client_node, client = pair
    task = asyncio.create_task(client.slow(5000))
    await asyncio.sleep(0.05)
    for conn in list(server.connections):
        conn.transport.close()  # as if the server process died
    with pytest.raises(InteropError) as info:
        await asyncio.wait_for(task, 1)
    assert info.value.code == ErrorCode.UNAVAILABLE
    # The link redials on the next call (the server itself is still there) ...
    assert await client.add(1, 1) == 2
    # ... and while nothing listens, calls fail with UNAVAILABLE.
    await server.close(100)
    with pytest.raises(InteropError) as again:
        await client.add(1, 1)
    assert again.value.code == ErrorCode.UNAVAILABLE


async def raw_frames(reader: asyncio.StreamReader, count: int) -> list[Frame]:
    decoder = FrameDecoder(1 << 24, 1024)
    frames: list[Frame] = []
    while len(frames) < count:
        chunk = await asyncio.wait_for(reader.read(65536), 2)
        if not chunk:
            break
        frames += [f for f in decoder.push(chunk) if isinstance(f, Frame)]
    return frames


async def test_malformed_frames(conf: types.ModuleType, pair: Pair, tmp_path: Path) -> None:
    _server, _impl, _client_node, client = pair
    hello = b'{"codecs":["json"],"node":"raw","offers":{},"protocol":[1],"wants":{}}'
    reader, writer = await asyncio.open_unix_connection(f"{tmp_path}/s.sock")
    writer.write(encode_frame(Frame(FrameKind.HELLO, 1, payload=hello)))  # type: ignore[arg-type]
    assert (await raw_frames(reader, 1))[0].kind == FrameKind.WELCOME
    # An answer (here a RESPONSE in an unknown codec) is never answered, only counted.
    writer.write(bytes.fromhex("0e0000000409000063000000000000000000"))
    # A complete frame of an unknown kind is answered on its correlation id; the link goes on.
    writer.write(bytes.fromhex("0e000000630000000a000000000000000000"))
    writer.write(encode_frame(Frame(FrameKind.PING, correlation=5, payload=b"hi")))
    error, pong = await raw_frames(reader, 2)
    assert (error.kind, error.correlation) == (FrameKind.ERROR, 10)
    assert (pong.kind, pong.correlation, pong.payload) == (FrameKind.PONG, 5, b"hi")
    # An undelimitable stream gets one connection-level ERROR, then the connection closes...
    writer.write(bytes.fromhex("00000000"))
    (fatal,) = await raw_frames(reader, 1)
    assert fatal.kind == FrameKind.ERROR and fatal.correlation == 0 and b"102" in fatal.payload
    assert await asyncio.wait_for(reader.read(), 2) == b""
    writer.close()
    # ... and every other connection is unaffected.
    assert await client.add(1, 2) == 3


async def test_handshake_checks(conf: types.ModuleType, tmp_path: Path) -> None:
    server = Node("server", token="secret")
    server.serve(conf.ConformanceModule, make_impl(conf))
    bound = await server.listen(f"unix:{tmp_path}/s.sock")
    try:
        with pytest.raises(InteropError) as auth:
            await Node("c").connect(bound, [conf.ConformanceModule])
        assert auth.value.code == ErrorCode.UNAUTHENTICATED
        # Another fingerprint is no refusal (docs/wire.md §2.2): calls are judged by the tables,
        # here the same ones, so they work; without a table of ours nothing can be judged.
        other = dataclasses.replace(conf.ConformanceModule, fingerprint="sha256:" + "0" * 64)
        conn = await Node("c").connect(bound, [other], token="secret")
        assert await conn.call(other, other.functions["add"], (1, 2)) == 3
        bare = dataclasses.replace(other, fingerprint="sha256:" + "1" * 64, ir=None)
        with pytest.raises(InteropError) as mismatch:
            await conn.call(bare, bare.functions["add"], (1, 2))
        assert mismatch.value.code == ErrorCode.SCHEMA_MISMATCH and "sha256:111" in mismatch.value.message
        await conn.close()
        conn = await Node("c").connect(bound, [conf.ConformanceModule], token="secret")
        assert await conn.ping() < 1
        await conn.close()
    finally:
        await server.close(100)


async def test_control_channel(conf: types.ModuleType, pair: Pair, tmp_path: Path) -> None:
    server = pair[0]
    control = await server.listen(f"unix:{tmp_path}/control.sock", control_only=True)
    node = Node("inspector")
    conn = await node.connect(control, [])
    manifest = await call_control(conn, "manifest")
    assert manifest["node"] == "server" and manifest["limits"]["max_depth"] == 64
    assert manifest["bundle"]["modules"][0]["name"] == "interop.conformance"
    health = await call_control(conn, "health")
    assert health["status"] == "ok" and health["modules"] == ["interop.conformance"]
    assert set(health["counters"]) >= {"dropped_events", "rejected_frames"}
    await conn.close()


async def test_direct_calls_share_semantics(conf: types.ModuleType) -> None:
    node = Node("solo")
    node.serve(conf.ConformanceModule, make_impl(conf))
    client = conf.ConformanceClient(node)
    assert await client.add(1, 2) == 3
    with pytest.raises(conf.NotFound):
        await client.fail("not_found")
    with pytest.raises(InteropError) as internal:
        await client.fail("internal")
    assert internal.value.code == ErrorCode.INTERNAL
    with pytest.raises(InteropError) as own_timeout:
        await client.fail("timeout")
    assert own_timeout.value.code == ErrorCode.INTERNAL
    assert own_timeout.value.message == "TimeoutError: the handler's own"
    with pytest.raises(InteropError) as deadline:
        await client.slow(1000, timeout_ms=20)
    assert deadline.value.code == ErrorCode.DEADLINE_EXCEEDED


async def test_goodbye_answers_accepted_requests(pair: Pair) -> None:
    server, _impl, client_node, client = pair
    task = asyncio.create_task(client.slow(100))
    await asyncio.sleep(0.02)
    await asyncio.gather(*(c.close("bye") for c in list(server.connections)))
    assert await task == 100
