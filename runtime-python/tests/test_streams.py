"""Streams end to end in Python (docs/wire.md §1.5, runtime-python/README.md "Streams"), with the
generated client and handlers of test/streams/streams.interop, in process and over unix and tcp
connections in both codecs: client, server and bidirectional streams, empty ones, errors after
items, credit holding a producer whose consumer stopped, cancellation from either side, the
deadline, a lost peer, in-flight slots, and frames that break the rules."""

from __future__ import annotations

import asyncio
import sys
import time
import types
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

import pytest

from interop_runtime import ErrorCode, InteropError, Limits
from interop_runtime.connection import Connection
from interop_runtime.frames import FLAG_CALLEE, CodecId, Frame, FrameKind
from interop_runtime.node import Node

from conftest import REPO, import_generated

sys.path.insert(0, str(REPO / "test" / "streams"))
from streams_impl import Stats, chunk, make_impl  # noqa: E402

SCHEMA = REPO / "test" / "streams" / "streams.interop"
WINDOW = Limits().stream_window
#: "Within milliseconds" on a loaded 2-core machine: far below any deadline, far above a turn.
PROMPT_MS = 500


@pytest.fixture(scope="session")
def gen(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_streams", [SCHEMA]), "gen_streams", "test_streams")


class Setup:
    def __init__(self, client: Any, stats: Stats, server: Node | None, client_node: Node) -> None:
        self.client = client
        self.stats = stats
        self.server = server
        self.client_node = client_node

    def server_connection(self) -> Connection:
        assert self.server is not None
        return next(iter(self.server.connections))

    def client_connection(self) -> Connection:
        return next(iter(self.client_node.connections))

    async def close(self) -> None:
        await self.client_node.close(100)
        if self.server is not None:
            await self.server.close(100)


async def setup(gen: types.ModuleType, where: str, codec: str = "msgpack", limits: Limits = Limits()) -> Setup:
    stats = Stats()
    impl = make_impl(gen, stats)
    if where == "direct":
        node = Node("direct", limits=limits)
        node.serve(gen.StreamsModule, impl)
        return Setup(gen.StreamsClient(node), stats, None, node)
    server = Node("server", limits=limits)
    server.serve(gen.StreamsModule, impl)
    bound = await server.listen(where)
    client_node = Node("client", limits=limits)
    await client_node.connect(bound, [gen.StreamsModule], codec=codec)  # type: ignore[arg-type]
    s = Setup(gen.StreamsClient(client_node), stats, server, client_node)
    stats.held_bytes = lambda: s.server_connection().transport.buffered()
    return s


async def until(what: str, ok: Callable[[], bool], seconds: float = 5) -> None:
    end = time.monotonic() + seconds
    while not ok():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.002)


async def collect(items: Any) -> list[Any]:
    return [item async for item in items]


async def failure_of(run: Callable[[], Awaitable[Any]]) -> BaseException:
    try:
        await run()
    except Exception as e:
        return e
    raise AssertionError("expected an error")


def where_of(kind: str, tmp_path: Path) -> str:
    return "direct" if kind == "direct" else f"unix:{tmp_path}/s.sock" if kind == "unix" else "tcp://127.0.0.1:0"


COMBOS = [("direct", "msgpack"), ("unix", "json"), ("unix", "msgpack"), ("unix", "flatbuffers"), ("tcp", "json"), ("tcp", "msgpack")]


@pytest.mark.parametrize("kind,codec", COMBOS)
async def test_streams_of_every_shape(gen: types.ModuleType, tmp_path: Path, kind: str, codec: str) -> None:
    s = await setup(gen, where_of(kind, tmp_path), codec)
    try:
        # Client stream: four chunks answered with their total.
        sizes = [27_182, 8, 1_828, 45_904]
        assert await s.client.upload(True, [chunk(n) for n in sizes]) == 74_922

        async def slowly() -> AsyncIterator[bytes]:
            for n in sizes:
                await asyncio.sleep(0)
                yield chunk(n)

        assert await s.client.upload(True, slowly()) == 74_922

        # Server stream: whole chunks, in order.
        sizes = [31_415, 9, 2_653, 58_979]
        got = await collect(s.client.download(sizes))
        assert [len(c) for c in got] == sizes and all(c == chunk(len(c)) for c in got)

        # Ping-pong: the next line only after the answer to the one before.
        answered = asyncio.Event()

        async def lines() -> AsyncIterator[str]:
            for i in range(50):
                answered.clear()
                yield f"line {i}"
                await answered.wait()

        answers = []
        async for answer in s.client.ping_pong(lines()):
            answers.append(answer)
            answered.set()
        assert answers == [f"pong line {i}" for i in range(50)]

        # Empty streams.
        assert await s.client.upload(True, []) == 0
        assert await collect(s.client.download([])) == []
        assert await collect(s.client.ping_pong([])) == []

        # Errors after the items before them: declared as their class, undeclared as INTERNAL.
        seen: list[int] = []

        async def read_ticks(end: str) -> None:
            async for t in s.client.ticks(3, end):
                seen.append(t.n)

        refused = await failure_of(lambda: read_ticks("refused"))
        assert isinstance(refused, gen.Refused) and refused.reason == "after 3" and seen == [1, 2, 3]
        internal = await failure_of(lambda: read_ticks("internal"))
        assert isinstance(internal, InteropError) and internal.code == ErrorCode.INTERNAL
        early = await failure_of(lambda: s.client.upload(True, [chunk(3), b"", chunk(5)]))
        assert isinstance(early, gen.Refused)

        # Values are checked as an encoder checks them (docs/wire.md §3.4), in process too: the
        # caller's item as an argument, the handler's item as its fault, after the items before it.
        caller = await failure_of(lambda: s.client.upload(True, [chunk(3), "not bytes"]))
        assert isinstance(caller, InteropError) and caller.code == ErrorCode.INVALID_ARGUMENT
        assert caller.message.startswith("upload input: expected bytes, got "), caller.message
        seen.clear()
        bad = await failure_of(lambda: read_ticks("bad"))
        assert seen == [1, 2, 3] and isinstance(bad, InteropError) and bad.code == ErrorCode.INTERNAL
        assert bad.message.startswith("ticks: the handler sent an invalid item: Tick.n: expected u32, got -1"), bad.message
        params = await failure_of(lambda: collect(s.client.download(["x"])))
        assert isinstance(params, InteropError) and params.code == ErrorCode.INVALID_ARGUMENT
        assert params.message.startswith("download.sizes[0]: expected u32"), params.message

        # A client stream's callee may answer before the input ends: the rest is not sent.
        produced = 0

        def items() -> Any:
            nonlocal produced
            for i in range(1, 1_000_000):
                produced = i
                yield i

        assert await s.client.take(5, items()) == 15
        await asyncio.sleep(0.02)
        assert produced < 200
    finally:
        await s.close()


@pytest.mark.parametrize("kind", ["unix", "direct"])
async def test_a_consumer_that_stops_reading_holds_the_producer_at_the_window(gen: types.ModuleType, tmp_path: Path, kind: str) -> None:
    s = await setup(gen, where_of(kind, tmp_path))
    try:
        async with s.client.flood(65_536, 100 * 1024 * 1024) as flood:
            items = aiter(flood)
            for _ in range(10):
                assert len(await anext(items)) == 65_536
            # The producer runs on as far as credit lets it: half a window ahead at least (however
            # long that takes on a loaded machine), and, given time, never more than a window.
            await until("the producer to use its credit", lambda: s.stats.flood_produced >= 10 + WINDOW // 2, 10)
            await asyncio.sleep(0.3)
            # 10 taken, and at most a window ahead: the generator was not asked for more.
            assert s.stats.flood_produced <= 10 + WINDOW
            assert s.stats.held_bytes() <= 65_536 + 1024
            # The producer kept to its credit: the stream is whole, and goes on when read again.
            for _ in range(WINDOW):
                assert len(await anext(items)) == 65_536
            await items.aclose()  # type: ignore[attr-defined]
    finally:
        await s.close()


async def test_the_window_is_granted_again_at_half(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock", limits=Limits(stream_window=4))
    try:
        async with s.client.flood(16, 1_000_000) as flood:
            items = aiter(flood)
            await anext(items)
            await until("the window to be used", lambda: s.stats.flood_produced >= 4)
            await asyncio.sleep(0.1)
            assert s.stats.flood_produced == 4  # one taken: no new credit before ceil(4 / 2)
            await anext(items)
            await until("the new credit to be used", lambda: s.stats.flood_produced >= 6)
            await asyncio.sleep(0.1)
            assert s.stats.flood_produced == 6
    finally:
        await s.close()


@pytest.mark.parametrize("kind", ["unix", "direct"])
async def test_cancel_from_either_side_is_learned_at_once(gen: types.ModuleType, tmp_path: Path, kind: str) -> None:
    s = await setup(gen, where_of(kind, tmp_path))
    try:
        # The caller breaks out of its loop: the handler learns it within milliseconds.
        stopped_at = 0.0
        async for tick in s.client.ticks(3, "hang"):
            if tick.n == 3:
                stopped_at = time.time() * 1000
                break
        await until("the handler to see the cancel", lambda: s.stats.cancelled_at_ms > 0)
        assert s.stats.cancelled_at_ms - stopped_at < PROMPT_MS

        # A cancelled task cancels its stream.
        s.stats.cancelled_at_ms = 0

        async def read_forever() -> None:
            async for _ in s.client.ticks(1, "hang"):
                pass

        task = asyncio.create_task(read_forever())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await until("the handler to see the cancel", lambda: s.stats.cancelled_at_ms > 0)

        # The callee cancels: the caller gets the items, then CANCELLED, within milliseconds.
        got: list[Any] = []

        async def read() -> None:
            async for t in s.client.ticks(4, "cancel"):
                got.append(t)

        error = await failure_of(read)
        learned_at = time.time() * 1000
        assert [t.n for t in got] == [1, 2, 3, 4]
        assert isinstance(error, InteropError) and error.code == ErrorCode.CANCELLED
        assert learned_at - got[-1].at_ms < PROMPT_MS
    finally:
        await s.close()


async def test_an_input_that_fails_cancels_the_stream(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock")
    try:
        async def failing() -> AsyncIterator[bytes]:
            yield chunk(10)
            await asyncio.sleep(0.01)
            raise RuntimeError("disk on fire")

        error = await failure_of(lambda: s.client.upload(False, failing()))
        assert isinstance(error, InteropError) and error.code == ErrorCode.CANCELLED and "disk on fire" in error.message
        await until("the handler to see the cancel", lambda: s.stats.cancelled_at_ms > 0)
    finally:
        await s.close()


async def test_the_deadline_covers_the_whole_stream(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock")
    try:
        got: list[int] = []
        started = time.monotonic()

        async def read() -> None:
            async for t in s.client.ticks(3, "hang", timeout_ms=300):
                got.append(t.n)

        error = await failure_of(read)
        assert got == [1, 2, 3]
        assert isinstance(error, InteropError) and error.code == ErrorCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started >= 0.29
        await until("the handler to see the deadline", lambda: s.stats.cancelled_at_ms > 0)
    finally:
        await s.close()


async def test_a_lost_peer_fails_the_stream_with_unavailable_on_both_sides(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock")
    try:
        items = aiter(s.client.ticks(2, "hang"))
        await anext(items)
        lost_at = time.monotonic()
        s.client_connection().transport.close()

        async def rest() -> None:
            while True:
                await anext(items)

        error = await failure_of(rest)
        assert isinstance(error, InteropError) and error.code == ErrorCode.UNAVAILABLE
        assert (time.monotonic() - lost_at) * 1000 < PROMPT_MS
        await until("the handler to see the loss", lambda: s.stats.cancelled_at_ms > 0)
    finally:
        await s.close()


async def test_a_stream_holds_an_in_flight_slot_for_its_life(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock", limits=Limits(max_in_flight=1))
    try:
        first = s.client.ticks(1, "hang")
        items = aiter(first)
        assert (await anext(items)).n == 1
        second = asyncio.ensure_future(anext(aiter(s.client.ticks(1, "ok"))))
        await asyncio.sleep(0.1)
        assert not second.done()
        first.cancel()
        assert (await second).n == 1
    finally:
        await s.close()


async def test_frames_that_break_the_rules_end_their_stream(gen: types.ModuleType, tmp_path: Path) -> None:
    s = await setup(gen, f"unix:{tmp_path}/s.sock", limits=Limits(stream_window=2))
    try:
        # An item beyond the credit: the callee reads input only as it can answer, and the
        # caller reads no answer, so its credit stops at a few items.
        async def never() -> AsyncIterator[str]:
            await asyncio.Event().wait()
            yield ""

        answers = aiter(s.client.ping_pong(never()))
        first = asyncio.ensure_future(anext(answers))
        server = s.server_connection()
        await until("the REQUEST to be served", lambda: len(server._in_streams) == 1)
        cid = next(iter(server._in_streams))
        client = s.client_connection()
        for _ in range(10):
            client._send(Frame(FrameKind.STREAM_ITEM, CodecId.MSGPACK, cid, "", b"\xa0"))

        async def drain() -> None:
            await first
            while True:
                await anext(answers)

        error = await failure_of(drain)
        assert isinstance(error, InteropError) and error.code == ErrorCode.RESOURCE_EXHAUSTED
        assert "beyond the credit" in error.message and s.server.counters.rejected_frames == 1  # type: ignore[union-attr]

        # A STREAM_CREDIT of 0 from the callee: the caller ends the stream, and sends CANCEL.
        async def held() -> AsyncIterator[bytes]:
            yield chunk(1)
            await asyncio.Event().wait()

        upload = asyncio.ensure_future(s.client.upload(False, held()))
        await until("the REQUEST to be served", lambda: len(server._in_streams) == 1)
        cid = next(iter(server._in_streams))
        server._send(Frame(FrameKind.STREAM_CREDIT, CodecId.NONE, cid, "", b"\x00\x00\x00\x00", flags=FLAG_CALLEE))
        error = await failure_of(lambda: upload)
        assert isinstance(error, InteropError) and error.code == ErrorCode.PROTOCOL_ERROR
        await until("the handler to see the CANCEL", lambda: not server._in_streams)

        # Stream frames naming no open stream: dropped and counted, the connection goes on.
        client._send(Frame(FrameKind.STREAM_ITEM, CodecId.MSGPACK, 999, "", b"\xa0"))
        server._send(Frame(FrameKind.STREAM_CREDIT, CodecId.NONE, 998, "", b"\x01\x00\x00\x00", flags=FLAG_CALLEE))
        await until("late frames to be counted", lambda: server.counters.late_stream_frames == 1
                    and client.counters.late_stream_frames == 1)
        assert await s.client.upload(False, [chunk(4)]) == 4

        # A REQUEST for a stream function without its flags is refused.
        with pytest.raises(InteropError) as refused:
            await client.call(gen.StreamsModule, gen.StreamsModule.functions["download"], ([1],))
        assert refused.value.code == ErrorCode.INVALID_ARGUMENT and "stream function, sent as call" in refused.value.message
    finally:
        await s.close()
