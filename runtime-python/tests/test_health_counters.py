"""The health document's counters (docs/wire.md §7): exactly the same keys in every runtime, all
present from the start. test/runtime/health-counters.test.ts asserts the same list for TypeScript."""

from __future__ import annotations

import asyncio
import re
import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime import CallContext, ErrorCode, InteropError, Limits
from interop_runtime.connection import COUNTER_NAMES, call_control
from interop_runtime.node import Node

from conftest import REPO, import_generated

EXPECTED = [
    "requests_served",
    "handler_errors",
    "event_handler_errors",
    "rejected_requests",
    "rejected_frames",
    "rejected_connections",
    "rejected_handshakes",
    "idle_timeouts",
    "frame_timeouts",
    "late_responses",
    "late_cancels",
    "late_stream_frames",
    "dropped_oneways",
    "dropped_events",
    "unsolicited_events",
    "undecodable_events",
    "unencodable_events",
    "paused_reads",
]

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


def documented() -> list[str]:
    """The counter names of the table in docs/wire.md §7, in order."""
    doc = (REPO / "docs" / "wire.md").read_text(encoding="utf-8")
    section = doc[doc.index("## 7."):doc.index("## 8.")]
    table = section[section.index("| counter | counts |"):]
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.M)


def test_runtime_test_and_docs_list_the_same_counters() -> None:
    assert list(COUNTER_NAMES) == EXPECTED
    assert documented() == EXPECTED


async def test_a_node_reports_exactly_these_keys(conf: types.ModuleType, tmp_path: Path) -> None:
    class Impl:
        async def add(self, a: int, b: int, ctx: CallContext) -> int:
            return a + b

        async def fail(self, kind: str, ctx: CallContext) -> str:
            raise RuntimeError("boom")

    server = Node("server")
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    client = Node("client")
    try:
        local = server.control("health")["counters"]
        assert sorted(local) == sorted(EXPECTED) and all(v == 0 for v in local.values())
        conn = await client.connect(address, [conf.ConformanceModule])
        calc = conf.ConformanceClient(client)
        assert await calc.add(1, 2) == 3
        with pytest.raises(InteropError):
            await calc.fail("x")
        health = await call_control(conn, "health")
        assert sorted(health["counters"]) == sorted(EXPECTED)
        assert health["counters"]["requests_served"] == 1 and health["counters"]["handler_errors"] == 1
    finally:
        await client.close(100)
        await server.close(100)


async def test_one_way_calls_share_the_in_flight_budget(conf: types.ModuleType, tmp_path: Path) -> None:
    """One-way calls being run count against max_in_flight, as requests do: past it an arriving
    ONEWAY is dropped and counted (dropped_oneways) and a REQUEST refused (rejected_requests)."""
    gate = asyncio.Event()

    class Impl:
        notes = 0

        async def add(self, a: int, b: int, ctx: CallContext) -> int:
            return a + b

        async def note(self, text: str, ctx: CallContext) -> None:
            Impl.notes += 1
            await gate.wait()

    server = Node("server", limits=Limits(max_in_flight=4))
    server.serve(conf.ConformanceModule, Impl())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    client = Node("client")
    try:
        await client.connect(address, [conf.ConformanceModule])
        calc = conf.ConformanceClient(client)
        for i in range(10):
            calc.note(f"n{i}")
        for _ in range(100):
            if server.counters.dropped_oneways == 6:
                break
            await asyncio.sleep(0.01)
        assert Impl.notes == 4 and server.counters.dropped_oneways == 6
        with pytest.raises(InteropError) as refused:
            await calc.add(1, 2)
        assert refused.value.code == ErrorCode.RESOURCE_EXHAUSTED and server.counters.rejected_requests == 1
        gate.set()
        await asyncio.sleep(0.02)
        assert await calc.add(1, 2) == 3
    finally:
        gate.set()
        await client.close(100)
        await server.close(100)
