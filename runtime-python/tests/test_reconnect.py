"""A Python node whose `connect` link leads to a node that is killed (SIGKILL) and restarted, a
Python one and a TypeScript one (the conformance servers, test/conformance/{python,ts}/server.*):
the call pending at the kill fails with UNAVAILABLE at once, calls fail with UNAVAILABLE while
the peer is down, the next call after it is back redials and succeeds, a subscription made before
the kill is renewed by itself (docs/config.md "Reconnection"), and a one-way call that cannot be
sent is counted in health."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import signal
import subprocess
import types
from pathlib import Path
from typing import Any, AsyncIterator

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.node import Node

from conftest import INTEROPC, REPO, import_generated

SCHEMA = REPO / "test" / "conformance" / "conformance.interop"
PYTHON = REPO / "runtime-python" / ".venv" / "bin" / "python"
SERVERS = {
    "python": [str(PYTHON), "test/conformance/python/server.py"],
    "ts": ["node", "--import", "tsx", "--import", "./test/conformance/ts/runtime-from-source.mjs",
           "test/conformance/ts/server.ts"],
}


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_conf", [SCHEMA]), "gen_conf", "interop_conformance")


@functools.cache
def prepare_server(lang: str) -> None:
    """The conformance runner's `prepare` for the server's language (languages.json), once."""
    subprocess.run([*INTEROPC, "gen", "--lang", lang, "--out", f"test/conformance/{lang}/gen", str(SCHEMA)],
                   cwd=REPO, check=True, capture_output=True, timeout=300)


class Server:
    """A conformance server process listening on a unix socket, restartable at the same address."""

    def __init__(self, lang: str, address: str) -> None:
        self.command = SERVERS[lang]
        self.address = address
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        config = {"node": "server", "modules": ["interop.conformance"], "listen": [self.address]}
        env = {**os.environ, "INTEROP_NODE_CONFIG": json.dumps(config)}
        self.process = await asyncio.create_subprocess_exec(*self.command, cwd=REPO, env=env,
                                                            stdout=asyncio.subprocess.DEVNULL)

    async def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 5)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


@pytest.fixture(params=["python", "ts"])
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Server]:
    prepare_server(request.param)
    s = Server(request.param, f"unix:{tmp_path}/server.sock")
    await s.start()
    try:
        yield s
    finally:
        await s.stop()


async def until_up(client: Any, timeout_s: float = 30) -> int:
    """Calls add() until it succeeds; every failure on the way must be UNAVAILABLE."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        try:
            return int(await client.add(20, 22))
        except InteropError as e:
            assert e.code == ErrorCode.UNAVAILABLE, e
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.05)


async def wait_for(what: str, check: Any, timeout_s: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("codec", ["msgpack", "json"])
async def test_link_redials_and_subscriptions_resume_after_a_restart(
        conf: types.ModuleType, server: Server, codec: str) -> None:
    node = await Node.start({"node": "caller", "connect": [
        {"address": server.address, "modules": ["interop.conformance"], "codec": codec}]},
        modules=[conf.ConformanceModule])
    client = conf.ConformanceClient(node)
    try:
        assert await until_up(client) == 42  # the first call dials (the server may still be starting)
        ticks: list[tuple[int, str]] = []
        sub = await client.subscribe_ticked(lambda t: ticks.append((t.n, t.text)))
        await client.publish(2, "before")
        await wait_for("ticks before the restart", lambda: ticks == [(1, "before"), (2, "before")])

        # Killed: the call in flight fails at once, and so does every call while it is down.
        pending = asyncio.create_task(client.slow(10_000))
        await asyncio.sleep(0.1)
        await server.kill()
        with pytest.raises(InteropError) as in_flight:
            await asyncio.wait_for(pending, 2)
        assert in_flight.value.code == ErrorCode.UNAVAILABLE
        for _ in range(3):
            with pytest.raises(InteropError) as down:
                await client.add(1, 1)
            assert down.value.code == ErrorCode.UNAVAILABLE and "cannot connect" in down.value.message
        client.note("lost")  # a one-way that cannot be sent is dropped and counted
        await wait_for("the dropped one-way counted", lambda: node.control("health")["counters"]["dropped_oneways"] == 1)
        await asyncio.sleep(0.5)  # the subscription's renewal backs off meanwhile

        # Back at the same address: the next call redials; the subscription is renewed by itself.
        await server.start()
        assert await until_up(client) == 42
        first = node.link_of["interop.conformance"][0].current
        client.note("after the restart")
        for _ in range(100):  # the server runs a one-way in a task of its own: poll for it
            if await client.last_note() == "after the restart":
                break
            await asyncio.sleep(0.02)
        assert await client.last_note() == "after the restart"
        deadline = asyncio.get_running_loop().time() + 15
        while not any(text == "after" for _, text in ticks):
            assert asyncio.get_running_loop().time() < deadline, f"subscription not renewed: {ticks}"
            await client.publish(1, "after")
            await asyncio.sleep(0.1)
        assert ticks[:2] == [(1, "before"), (2, "before")]
        assert all(text == "after" for _, text in ticks[2:]) and sub.dropped == 0
        assert node.link_of["interop.conformance"][0].current is first  # one connection, not one per call
        await sub.unsubscribe()
    finally:
        await node.close(200)


async def test_calls_fail_unavailable_before_the_peer_first_comes_up(conf: types.ModuleType, tmp_path: Path) -> None:
    """A `connect` entry is dialed on first use: the node starts without its peer, calls fail with
    UNAVAILABLE until the peer is up, then succeed."""
    prepare_server("python")
    server = Server("python", f"unix:{tmp_path}/late.sock")
    node = await Node.start({"node": "early", "connect": [{"address": server.address, "modules": ["interop.conformance"]}]},
                            modules=[conf.ConformanceModule])
    client = conf.ConformanceClient(node)
    try:
        with pytest.raises(InteropError) as before:
            await client.add(1, 2)
        assert before.value.code == ErrorCode.UNAVAILABLE
        await server.start()
        assert await until_up(client) == 42
    finally:
        await node.close(200)
        await server.stop()


async def test_a_handshake_refusal_keeps_its_code(conf: types.ModuleType, tmp_path: Path) -> None:
    server = Node("server", token="secret")
    server.serve(conf.ConformanceModule, conf.ConformanceHandlers())
    bound = await server.listen(f"unix:{tmp_path}/s.sock")
    node = await Node.start({"node": "c", "connect": [{"address": bound, "modules": ["interop.conformance"]}]},
                            modules=[conf.ConformanceModule])
    try:
        with pytest.raises(InteropError) as refused:
            await conf.ConformanceClient(node).add(1, 2)
        assert refused.value.code == ErrorCode.UNAUTHENTICATED
    finally:
        await node.close(100)
        await server.close(100)
