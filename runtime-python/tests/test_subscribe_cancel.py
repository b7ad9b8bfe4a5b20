"""A CANCEL whose correlation id is that of a SUBSCRIBE withdraws the subscription if it was
registered: the server unregisters it and sends nothing more for it, so a subscribe that timed out
on the client leaves nothing behind on the server (docs/wire.md §1.1, §6).

The client is a real Connection over a unix socket; between it and the server sits a relay that
can hold what the server sends, so that the server registers the subscription and answers while
the client's deadline passes before the answer arrives."""

from __future__ import annotations

import asyncio
import time
import types
from pathlib import Path
from typing import Any, Callable

import pytest

from interop_runtime import ErrorCode, InteropError, Limits
from interop_runtime.connection import Connection
from interop_runtime.frames import CodecId, Frame, FrameDecoder, FrameKind, encode_frame
from interop_runtime.node import Node
from interop_runtime.transport.sockets import dial, parse_address

from conftest import REPO, import_generated

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"
TICKED = "interop.conformance.ticked"


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


class Impl:
    async def add(self, a: int, b: int, ctx: Any) -> int:
        return a + b


class Relay:
    """Forwards bytes both ways between a client and the server; while `hold` is clear, what the
    server sends waits here (the client's side of the socket sees nothing)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.hold = asyncio.Event()
        self.hold.set()
        self.tasks: set[asyncio.Task[None]] = set()
        self.server: asyncio.Server | None = None

    async def start(self, path: str) -> None:
        self.server = await asyncio.start_unix_server(self._accept, path)

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(self.upstream)
        for task in (self._pump(reader, up_writer, None), self._pump(up_reader, writer, self.hold)):
            t = asyncio.get_running_loop().create_task(task)
            self.tasks.add(t)
            t.add_done_callback(self.tasks.discard)

    async def _pump(self, src: asyncio.StreamReader, dst: asyncio.StreamWriter, gate: asyncio.Event | None) -> None:
        try:
            while chunk := await src.read(1 << 16):
                if gate is not None:
                    await gate.wait()
                dst.write(chunk)
                await dst.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            dst.close()

    def close(self) -> None:
        for t in list(self.tasks):
            t.cancel()
        if self.server is not None:
            self.server.close()


async def until(cond: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.005)
    return True


async def test_a_subscribe_that_timed_out_leaves_nothing_on_the_server(conf: types.ModuleType, tmp_path: Path) -> None:
    server = Node("server")
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    relay = Relay(address[len("unix:"):])
    await relay.start(f"{tmp_path}/relay.sock")
    client = await Connection.open(await dial(parse_address(f"unix:{tmp_path}/relay.sock")), initiator=True,
                                   node="client", wants=[conf.ConformanceModule], codecs=["json"],
                                   limits=Limits(default_deadline_ms=300))
    got: list[Any] = []
    try:
        (conn,) = server.connections
        relay.hold.clear()  # the server's answers wait in the relay from here on
        with pytest.raises(InteropError) as e:
            await client.subscribe(conf.ConformanceModule, conf.ConformanceModule.events["ticked"], got.append)
        assert e.value.code == ErrorCode.DEADLINE_EXCEEDED
        # The server had registered the subscription and answered; the CANCEL withdraws it.
        assert await until(lambda: not conn.remote_subscriptions), conn.remote_subscriptions
        assert not conn.wants_event("interop.conformance", "ticked")
        relay.hold.set()  # the late RESPONSE reaches the client, which drops it
        events = conf.ConformanceEvents(server)
        for n in range(1, 51):
            events.ticked(conf.Tick(n=n, text="t"))
        await client.ping()  # written after the events: had any been sent, they came first
        assert client.counters.unsolicited_events == 0
        assert client.counters.late_responses == 1
        assert server.counters.late_cancels == 0
        assert got == []
        # The connection goes on; subscribing again works, and only that subscription is served.
        sub = await client.subscribe(conf.ConformanceModule, conf.ConformanceModule.events["ticked"], got.append)
        events.ticked(conf.Tick(n=99, text="t"))
        assert await until(lambda: len(got) == 1)
        assert got[0].n == 99 and client.counters.unsolicited_events == 0
        await sub.unsubscribe()
    finally:
        relay.hold.set()
        await client.close(grace_ms=500)
        await server.close(grace_ms=500)
        relay.close()


async def test_a_second_subscription_to_an_event_shares_the_first(conf: types.ModuleType, tmp_path: Path) -> None:
    """One SUBSCRIBE per event and connection: a second local subscription sends none, so no
    SUBSCRIBE of it can time out and, by its CANCEL, withdraw the one the first stands on."""
    server = Node("server")
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    relay = Relay(address[len("unix:"):])
    await relay.start(f"{tmp_path}/relay.sock")
    client = await Connection.open(await dial(parse_address(f"unix:{tmp_path}/relay.sock")), initiator=True,
                                   node="client", wants=[conf.ConformanceModule], codecs=["json"],
                                   limits=Limits(default_deadline_ms=300))
    ticked = conf.ConformanceModule.events["ticked"]
    first: list[Any] = []
    second: list[Any] = []
    try:
        (conn,) = server.connections
        sub1 = await client.subscribe(conf.ConformanceModule, ticked, first.append)
        relay.hold.clear()  # nothing the server sends gets through: a SUBSCRIBE would time out
        sub2 = await client.subscribe(conf.ConformanceModule, ticked, second.append)
        relay.hold.set()
        assert TICKED in conn.remote_subscriptions and server.counters.late_cancels == 0
        events = conf.ConformanceEvents(server)
        events.ticked(conf.Tick(n=1, text="t"))
        assert await until(lambda: len(first) == 1 and len(second) == 1)
        await sub1.unsubscribe()  # the other still stands: no UNSUBSCRIBE yet
        events.ticked(conf.Tick(n=2, text="t"))
        assert await until(lambda: len(second) == 2)
        assert len(first) == 1 and TICKED in conn.remote_subscriptions
        await sub2.unsubscribe()
        assert await until(lambda: not conn.remote_subscriptions)
    finally:
        relay.hold.set()
        await client.close(grace_ms=500)
        await server.close(grace_ms=500)
        relay.close()


class RawPeer:
    """Speaks frames by hand, to put exact correlation ids on the wire."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = FrameDecoder(1 << 24, 1024)
        self.frames: list[Frame] = []

    @classmethod
    async def dial(cls, path: str) -> RawPeer:
        peer = cls(*await asyncio.open_unix_connection(path))
        hello = b'{"codecs":["json"],"node":"raw","offers":{},"protocol":[1],"wants":{}}'
        peer.send(Frame(FrameKind.HELLO, CodecId.JSON, payload=hello))
        assert (await peer.next()).kind == FrameKind.WELCOME
        return peer

    def send(self, frame: Frame) -> None:
        self.writer.write(encode_frame(frame))

    async def next(self) -> Frame:
        while not self.frames:
            chunk = await asyncio.wait_for(self.reader.read(1 << 16), 5)
            assert chunk, "the server closed the connection"
            self.frames += [f for f in self.decoder.push(chunk) if isinstance(f, Frame)]
        return self.frames.pop(0)

    async def ping(self, cid: int) -> list[Frame]:
        """A round trip; returns what arrived before the PONG."""
        self.send(Frame(FrameKind.PING, CodecId.NONE, cid))
        before = []
        while not ((frame := await self.next()).kind == FrameKind.PONG and frame.correlation == cid):
            before.append(frame)
        return before


async def raw_server(conf: types.ModuleType, tmp_path: Path) -> tuple[Node, RawPeer, Connection]:
    server = Node("server")
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    raw = await RawPeer.dial(address[len("unix:"):])
    (conn,) = server.connections
    return server, raw, conn


async def test_cancel_of_an_answered_subscribe_unsubscribes(conf: types.ModuleType, tmp_path: Path) -> None:
    server, raw, conn = await raw_server(conf, tmp_path)
    events = conf.ConformanceEvents(server)
    try:
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 5, TICKED))
        ack = await raw.next()
        assert (ack.kind, ack.correlation) == (FrameKind.RESPONSE, 5)
        events.ticked(conf.Tick(n=1, text="t"))
        assert [f.kind for f in await raw.ping(6)] == [FrameKind.EVENT]
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 5))
        assert await raw.ping(7) == []
        assert conn.remote_subscriptions == {}
        events.ticked(conf.Tick(n=2, text="t"))
        assert await raw.ping(8) == []  # nothing more for it
        assert server.counters.late_cancels == 0
        # The subscription is gone: a second CANCEL with that id is late.
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 5))
        await raw.ping(9)
        assert server.counters.late_cancels == 1
    finally:
        raw.writer.close()
        await server.close(grace_ms=500)


async def test_cancel_with_a_reused_id_leaves_the_subscription(conf: types.ModuleType, tmp_path: Path) -> None:
    """Ids are unique among open exchanges only: once the peer starts another exchange with a
    SUBSCRIBE's id, a CANCEL with that id is about the new exchange."""
    server, raw, conn = await raw_server(conf, tmp_path)
    events = conf.ConformanceEvents(server)
    try:
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 5, TICKED))
        assert (await raw.next()).kind == FrameKind.RESPONSE
        raw.send(Frame(FrameKind.REQUEST, CodecId.JSON, 5, "interop.conformance.add", b'{"a":1,"b":2}'))
        answer = await raw.next()
        assert (answer.kind, answer.correlation) == (FrameKind.RESPONSE, 5)
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 5))  # late: the request was answered
        await raw.ping(6)
        assert server.counters.late_cancels == 1
        assert TICKED in conn.remote_subscriptions
        events.ticked(conf.Tick(n=1, text="t"))
        assert [f.target for f in await raw.ping(7)] == [TICKED]
        # A PING that reuses the id of a SUBSCRIBE ends that SUBSCRIBE's exchange the same way.
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 8, "interop.conformance.pinged"))
        assert (await raw.next()).kind == FrameKind.RESPONSE
        await raw.ping(8)
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 8))
        await raw.ping(9)
        assert set(conn.remote_subscriptions) == {TICKED, "interop.conformance.pinged"}
        assert server.counters.late_cancels == 2
        # So does a REQUEST that is refused as malformed (an unknown codec): it too starts an
        # exchange with that id.
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 10, "interop.conformance.pinged"))
        assert (await raw.next()).correlation == 10
        raw.send(Frame(FrameKind.REQUEST, 9, 10, "interop.conformance.add", b"{}"))  # type: ignore[arg-type]
        refusal = await raw.next()
        assert (refusal.kind, refusal.correlation) == (FrameKind.ERROR, 10)
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 10))
        await raw.ping(11)
        assert set(conn.remote_subscriptions) == {TICKED, "interop.conformance.pinged"}
        assert server.counters.late_cancels == 3
    finally:
        raw.writer.close()
        await server.close(grace_ms=500)


async def test_cancel_of_a_refused_subscribe_is_late(conf: types.ModuleType, tmp_path: Path) -> None:
    server, raw, conn = await raw_server(conf, tmp_path)
    try:
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 5, "interop.conformance.nope"))
        refusal = await raw.next()
        assert (refusal.kind, refusal.correlation) == (FrameKind.ERROR, 5)
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 5))
        await raw.ping(6)
        assert server.counters.late_cancels == 1 and conn.remote_subscriptions == {}
    finally:
        raw.writer.close()
        await server.close(grace_ms=500)


async def test_cancel_withdraws_a_subscription_whose_answer_and_events_still_wait(
        conf: types.ModuleType, tmp_path: Path) -> None:
    """The peer reads nothing while it subscribes: the RESPONSE and the events wait for the
    transport. The CANCEL withdraws all of it; none of it is counted as dropped."""
    server, raw, conn = await raw_server(conf, tmp_path)
    events = conf.ConformanceEvents(server)
    try:
        blob = b"p" * 16384
        count = 100  # 1.6 MiB of PONGs: more than the socket and the transport take
        for cid in range(1, count + 1):
            raw.send(Frame(FrameKind.PING, CodecId.NONE, cid, "", blob))
        raw.send(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 500, TICKED))
        await raw.writer.drain()
        assert await until(lambda: TICKED in conn.remote_subscriptions)
        assert any(h.correlation == 500 and h.data is not None for h in conn._outbox)
        for n in range(1, 21):
            events.ticked(conf.Tick(n=n, text="t"))
        assert conn.outbound_queued() == 20
        raw.send(Frame(FrameKind.CANCEL, CodecId.NONE, 500))
        await raw.writer.drain()
        assert await until(lambda: not conn.remote_subscriptions)
        assert conn.outbound_queued() == 0
        events.ticked(conf.Tick(n=21, text="t"))
        # What arrives before the PONG of a last PING: the 100 PONGs, nothing for the SUBSCRIBE.
        before = await raw.ping(count + 1)
        assert [(f.kind, f.correlation) for f in before] == [(FrameKind.PONG, cid) for cid in range(1, count + 1)]
        assert server.counters.late_cancels == 0 and server.counters.dropped_events == 0
        assert conn.outbound_dropped == {}
    finally:
        raw.writer.close()
        await server.close(grace_ms=500)


async def test_the_first_event_read_with_the_subscribe_answer_reaches_the_handler(conf: types.ModuleType, tmp_path: Path) -> None:
    """The server's RESPONSE to the SUBSCRIBE and its first EVENT reach the client in one read
    (`interop emit` publishes as soon as the subscription stands): the event is delivered."""
    server = Node("server")
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    relay = Relay(address[len("unix:"):])
    await relay.start(f"{tmp_path}/relay.sock")
    client = await Connection.open(await dial(parse_address(f"unix:{tmp_path}/relay.sock")), initiator=True,
                                   node="client", wants=[conf.ConformanceModule], codecs=["json"])
    got: list[Any] = []
    try:
        (conn,) = server.connections
        relay.hold.clear()  # the answer and the event wait in the relay, then go on together
        subscribing = asyncio.get_running_loop().create_task(
            client.subscribe(conf.ConformanceModule, conf.ConformanceModule.events["ticked"], got.append))
        assert await until(lambda: conn.wants_event("interop.conformance", "ticked"))
        conf.ConformanceEvents(server).ticked(conf.Tick(n=1, text="first"))
        await asyncio.sleep(0.05)
        relay.hold.set()
        await subscribing
        assert await until(lambda: len(got) == 1), client.counters.unsolicited_events
        assert got[0].n == 1 and client.counters.unsolicited_events == 0
    finally:
        relay.hold.set()
        await client.close(grace_ms=500)
        await server.close(grace_ms=500)
        relay.close()
