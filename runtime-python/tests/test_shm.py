"""The shm transport (docs/wire.md §9, interop_runtime/transport/shm.py): hostile peers (a bad
set-up, garbage in the ring, a wrong length, an index past the end) get their connection closed
with a typed error while other connections are served; a peer that stops reading holds the writer
at a fixed amount of memory; a peer killed with SIGKILL fails the calls waiting on it at once, both
ways. Python <-> C, C++ and Python over shm are in the conformance matrix (test/conformance)."""

from __future__ import annotations

import asyncio
import fcntl
import json
import mmap
import os
import signal
import socket
import struct
import sys
import time
import tracemalloc
import types
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from interop_runtime import ErrorCode, InteropError, Limits
from interop_runtime.connection import Connection
from interop_runtime.frames import CodecId, Frame, FrameDecoder, FrameKind, encode_frame
from interop_runtime.node import Node
from interop_runtime.transport import shm
from interop_runtime.transport.shm import ShmTransport, dial_shm

from conftest import REPO, import_generated
from test_flow_control import TEXT, TICKED, Impl

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"
PYTHON = REPO / "runtime-python" / ".venv" / "bin" / "python"
MODULE = "interop.conformance"


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


@pytest.fixture
async def served(conf: types.ModuleType, tmp_path: Path) -> AsyncIterator[tuple[Node, str]]:
    server = Node("server", limits=Limits(max_event_queue=64))
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"shm:{tmp_path}/s.sock")
    try:
        yield server, address
    finally:
        await server.close(100)


async def client_of(conf: types.ModuleType, address: str, name: str = "client") -> tuple[Node, Any]:
    node = Node(name)
    await node.connect(address, [conf.ConformanceModule], codec="msgpack")
    return node, conf.ConformanceClient(node)


def the_transport(node: Node) -> ShmTransport:
    (conn,) = node.connections
    assert isinstance(conn.transport, ShmTransport)
    return conn.transport


async def until(what: str, check: Any, timeout_s: float = 10) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.005)


async def test_calls_and_big_frames_go_through_the_rings(conf: types.ModuleType, served: tuple[Node, str]) -> None:
    _, address = served
    node, client = await client_of(conf, address)
    try:
        assert await client.add(20, 22) == 42
        big = "y" * (1 << 20)  # four times a ring: it goes through in pieces
        assert await client.echo_string(big) == big
        results = await asyncio.gather(*(client.add(i, 1) for i in range(200)))
        assert results == [i + 1 for i in range(200)]
    finally:
        await node.close(100)


@pytest.mark.parametrize("side", ["client", "server"])
async def test_each_side_reads_shm_spin_us_from_its_node_config(conf: types.ModuleType, tmp_path: Path,
                                                                  side: str) -> None:
    """Both ends share this one thread here, so a reader's poll holds up its peer: a first call
    that takes at least spin_us proves the side whose config said so polled that long (wall clock,
    so load cannot make it shorter). With the default 50 µs it takes milliseconds."""
    spin_us = 1_000_000
    extra = {side: {"shm": {"spin_us": spin_us}}}
    address = f"shm:{tmp_path}/s.sock"
    started = time.monotonic()
    server = await Node.start({"node": "server", "modules": [MODULE], "listen": [address], **extra.get("server", {})},
                              implementations={MODULE: Impl()}, modules=[conf.ConformanceModule])
    client = await Node.start({"node": "client", "connect": [{"address": address, "modules": [MODULE]}],
                               **extra.get("client", {})}, modules=[conf.ConformanceModule])
    try:
        assert await conf.ConformanceClient(client).add(2, 3) == 5
        assert time.monotonic() - started >= spin_us / 1e6
    finally:
        await client.close(100)
        await server.close(100)


async def test_bad_set_ups_are_refused_and_others_still_served(conf: types.ModuleType, served: tuple[Node, str],
                                                                 tmp_path: Path) -> None:
    server, address = served
    path = address[len("shm:"):]
    header = struct.pack("<4I", 0x4D485349, 1, shm.RING_BYTES, 0)
    good = segment(shm.RING_BYTES, header)
    unsealed = segment(shm.RING_BYTES, header, seal=False)
    small = segment(4096, header)  # a segment for 4 KiB rings, announced as 256 KiB ones
    ev = os.eventfd(0, os.EFD_CLOEXEC)
    attempts: list[tuple[bytes, list[int]]] = [
        (b"GET / HTTP/1.1\r\n", []),  # not a set-up at all
        (header, [good, ev]),  # two descriptors
        (b"XXXX" + header[4:], [good, ev, ev]),  # another magic
        (header[:8] + struct.pack("<I", 5000) + header[12:], [good, ev, ev]),  # not a power of two
        (header, [unsealed, ev, ev]),  # could be shrunk under the listener
        (header, [small, ev, ev]),  # of the wrong size
    ]
    loop = asyncio.get_running_loop()
    try:
        for message, fds in attempts:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.setblocking(False)
                await loop.sock_connect(s, path)
                socket.send_fds(s, [message], fds)
                assert await asyncio.wait_for(loop.sock_recv(s, 1), 10) == b""  # refused: the listener closed it
        await until("every refusal counted", lambda: server.counters.rejected_handshakes == len(attempts))
        node, client = await client_of(conf, address)
        assert await client.add(1, 2) == 3
        await node.close(100)
    finally:
        for fd in (good, unsealed, small, ev):
            os.close(fd)


def segment(ring_bytes: int, header: bytes, seal: bool = True) -> int:
    """A segment as a dialer makes it (docs/wire.md §9.1), made here by hand."""
    fd = os.memfd_create("test-shm", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(fd, 4096 + 2 * ring_bytes)
    os.pwrite(fd, header, 0)
    if seal:
        fcntl.fcntl(fd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    return fd


def segment_of(transport: ShmTransport) -> mmap.mmap:
    """The segment a transport maps, mapped again here: the hostile peer's view of it."""
    return mmap.mmap(transport._ring.memfd, 4096 + 2 * shm.RING_BYTES)


@pytest.mark.parametrize("where", ["write index of the ring it writes", "read index of the ring it reads"])
async def test_an_index_past_the_end_closes_that_connection_only(conf: types.ModuleType, served: tuple[Node, str],
                                                                   where: str) -> None:
    server, address = served
    victim, victim_client = await client_of(conf, address, "victim")
    other, other_client = await client_of(conf, address, "other")
    try:
        assert await victim_client.add(1, 1) == 2
        pending = asyncio.create_task(victim_client.slow(10_000))
        await until("the slow call served", lambda: any(c.peer == "victim" and c._handling for c in server.connections))
        seg = segment_of(the_transport(victim))
        if where.startswith("write"):  # ring 0 (dialer -> listener): the listener reads it
            seg[64:72] = struct.pack("<Q", 1 << 40)
            os.eventfd_write(the_transport(victim)._ring.wake_peer_fd, 1)  # wake the listener up
        else:  # ring 1's read index (written by the dialer): the listener sees it when it answers
            seg[256 + 192:256 + 200] = struct.pack("<Q", 1 << 40)
            (served_conn,) = [c for c in server.connections if c.peer == "victim"]
            served_conn.transport.write(b"\0" * 8)  # as the next answer would
        seg.close()
        with pytest.raises(InteropError) as failed:
            await asyncio.wait_for(pending, 10)
        assert failed.value.code == ErrorCode.UNAVAILABLE
        await until("the broken ring counted", lambda: server.counters.rejected_frames == 1)
        assert not any(c.peer == "victim" for c in server.connections)
        assert await other_client.add(2, 3) == 5
    finally:
        await victim.close(100)
        await other.close(100)


@pytest.mark.parametrize("garbage", [b"\xff" * 64, struct.pack(">I", 0x7FFFFFF0) + b"\0" * 60],
                         ids=["garbage", "a wrong length"])
async def test_garbage_in_the_ring_is_a_framing_error(conf: types.ModuleType, served: tuple[Node, str],
                                                      garbage: bytes) -> None:
    server, address = served
    victim, victim_client = await client_of(conf, address, "victim")
    other, other_client = await client_of(conf, address, "other")
    try:
        assert await victim_client.add(1, 1) == 2
        pending = asyncio.create_task(victim_client.slow(10_000))
        await asyncio.sleep(0.05)
        the_transport(victim).write(garbage)
        with pytest.raises(InteropError) as failed:
            await asyncio.wait_for(pending, 10)
        assert failed.value.code in (ErrorCode.UNAVAILABLE, ErrorCode.PROTOCOL_ERROR, ErrorCode.RESOURCE_EXHAUSTED)
        await until("the bad frame counted", lambda: server.counters.rejected_frames >= 1)
        await until("the victim's connection closed", lambda: not any(c.peer == "victim" for c in server.connections))
        assert await other_client.add(2, 3) == 5
    finally:
        await victim.close(100)
        await other.close(100)


async def test_a_reader_that_stops_holds_the_writer_at_a_fixed_size(conf: types.ModuleType,
                                                                     served: tuple[Node, str]) -> None:
    """The raw peer subscribes, then reads nothing while 20,000 events of 1 KiB are published: the
    ring fills (256 KiB, fixed), then the server's own bounded queues hold or drop (as over unix)."""
    server, address = served
    raw = await dial_shm(address)
    decoder = FrameDecoder(1 << 24, 1024)
    frames: list[Frame] = []

    async def read_until(done: Any) -> None:
        while not done():
            chunk = await asyncio.wait_for(raw.read(), 20)
            assert chunk
            frames.extend(f for f in decoder.push(chunk) if isinstance(f, Frame))

    other, other_client = await client_of(conf, address, "other")
    try:
        hello = b'{"codecs":["json"],"node":"raw","offers":{},"protocol":[1],"wants":{}}'
        raw.write(encode_frame(Frame(FrameKind.HELLO, CodecId.JSON, payload=hello)))
        raw.write(encode_frame(Frame(FrameKind.SUBSCRIBE, CodecId.JSON, 1, TICKED)))
        await read_until(lambda: len(frames) >= 2)
        assert [f.kind for f in frames[:2]] == [FrameKind.WELCOME, FrameKind.RESPONSE]
        frames.clear()
        (conn,) = [c for c in server.connections if c.peer == "raw"]
        events = conf.ConformanceEvents(server)
        total = 20_000
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        peak_held = 0
        for batch in range(100):
            for i in range(batch * 200 + 1, batch * 200 + 201):
                events.ticked(conf.Tick(n=i, text=TEXT))
            peak_held = max(peak_held, held_for(conn))
            if batch % 20 == 0:
                assert await asyncio.wait_for(other_client.add(batch, 1), 30) == batch + 1
            await asyncio.sleep(0.002)
        grown = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        frame_size = len(encode_frame(Frame(FrameKind.EVENT, CodecId.JSON, 0, TICKED,
                                            json.dumps({"n": total, "text": TEXT}).encode())))
        assert peak_held <= shm.HIGH_WATER + frame_size + 64 * frame_size, peak_held
        assert grown < 2 * 1024 * 1024, grown
        dropped = server.counters.dropped_events
        assert dropped > total // 2
        await read_until(lambda: not conn._backlog_len and held_for(conn) == 0 and raw._ring.pending() == 0)
        ticks = [json.loads(f.payload)["n"] for f in frames if f.kind == FrameKind.EVENT]
        assert ticks == sorted(set(ticks)) and len(ticks) + dropped == total
    finally:
        raw.close()
        await other.close(100)


def held_for(conn: Connection) -> int:
    """What the server holds for the peer beyond the ring: its transport queue and held frames."""
    backlog = sum(len(frame) for queue in conn._backlog.values() for _, frame in queue)
    assert isinstance(conn.transport, ShmTransport)
    return conn.transport.buffered() + sum(len(h.data or b"") for h in conn._outbox) + backlog


CHILD = """
import asyncio, json, sys
sys.path.insert(0, sys.argv[1])
from interop_runtime.node import Node
from gen_conf.interop_conformance import ConformanceClient, ConformanceModule
async def main():
    node = Node("child")
    await node.connect(sys.argv[2], [ConformanceModule])
    print("calling", flush=True)
    await ConformanceClient(node).slow(60_000)
asyncio.run(main())
"""


async def test_kill_9_either_side_is_seen_at_once(conf: types.ModuleType, served: tuple[Node, str], tmp_path: Path) -> None:
    server, address = served
    # The listener is killed: the call waiting in the dialer fails with UNAVAILABLE at once.
    config = {"node": "server", "modules": [MODULE], "listen": [f"shm:{tmp_path}/p.sock"]}
    child = await asyncio.create_subprocess_exec(str(PYTHON), "test/conformance/python/server.py", cwd=REPO,
                                                 env={**os.environ, "INTEROP_NODE_CONFIG": json.dumps(config)},
                                                 stdout=asyncio.subprocess.DEVNULL)
    node = Node("caller")
    try:
        await until("the server up", lambda: Path(f"{tmp_path}/p.sock").exists(), 30)
        await node.connect(f"shm:{tmp_path}/p.sock", [conf.ConformanceModule])
        pending = asyncio.create_task(conf.ConformanceClient(node).slow(60_000))
        await asyncio.sleep(0.1)
        killed = time.monotonic()
        child.send_signal(signal.SIGKILL)
        with pytest.raises(InteropError) as failed:
            await asyncio.wait_for(pending, 5)
        listener_gone_s = time.monotonic() - killed
        assert failed.value.code == ErrorCode.UNAVAILABLE
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()
        await node.close(100)

    # The dialer is killed: the listener closes its connection (and cancels its handler) at once.
    child = await asyncio.create_subprocess_exec(str(PYTHON), "-c", CHILD, str(Path(conf.__file__).parents[1]), address,
                                                 stdout=asyncio.subprocess.PIPE)
    try:
        assert child.stdout is not None
        assert await asyncio.wait_for(child.stdout.readline(), 30) == b"calling\n"
        await until("the slow call served", lambda: any(c.peer == "child" and c._handling for c in server.connections), 30)
        killed = time.monotonic()
        child.send_signal(signal.SIGKILL)
        await until("the connection closed", lambda: not any(c.peer == "child" for c in server.connections), 5)
        dialer_gone_s = time.monotonic() - killed
    finally:
        if child.returncode is None:
            child.kill()
        await child.wait()
    print(f"\nkill -9: listener's death seen in {listener_gone_s * 1000:.1f} ms, dialer's in {dialer_gone_s * 1000:.1f} ms",
          file=sys.stderr)
    # docs/wire.md §9.5: at once (the socket closes). 100 ms on an idle machine; this bound only
    # keeps a loaded 2-core machine from failing the test.
    assert listener_gone_s < 1 and dialer_gone_s < 1


async def test_without_the_extension_shm_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shm, "native", None)
    node = Node("plain")
    with pytest.raises(InteropError) as failed:
        await node.listen(f"shm:{tmp_path}/s.sock")
    assert failed.value.code == ErrorCode.UNAVAILABLE and "runtime-python/build-shm.sh" in failed.value.message
    with pytest.raises(InteropError) as failed:
        await dial_shm(f"shm:{tmp_path}/s.sock")
    assert "_interop_shm" in failed.value.message
    await node.close(100)
