"""Events by polling (runtime-python/README.md "Events: handlers or polling"):
PolledSubscription.next(timeout_ms) and `async for`, in process (direct) and over a unix socket,
with the queue limits, policies and drop counters of a handler's subscription. The same cases as
test/runtime/polling.test.ts."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path
from typing import Any, AsyncIterator, Callable

import pytest

from interop_runtime import ErrorCode, InteropError, PolledSubscription
from interop_runtime.node import Node

from conftest import REPO, GenerateFn, import_generated


@pytest.fixture(scope="session")
def plg(generate: GenerateFn) -> types.ModuleType:
    root = generate("gen_plugins", [REPO / "test" / "plugins" / "plugins.interop"])
    return import_generated(root, "gen_plugins", "test_plugins")


class Setup:
    def __init__(self, plg: types.ModuleType, server: Node, client: Node) -> None:
        self.plg = plg
        self.events = plg.PluginsEvents(server)
        self.client = plg.PluginsClient(client)

    def publish(self, n: int) -> None:
        self.events.tick(self.plg.Tick(n=n))

    async def polled(self) -> PolledSubscription[Any]:
        return await PolledSubscription.open(self.client.subscribe_tick)


@pytest.fixture(params=["direct", "unix"])
def where(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def make(plg: types.ModuleType, tmp_path: Path, where: str) -> AsyncIterator[Callable[..., Any]]:
    nodes: list[Node] = []

    async def setup(policy: str, max_event_queue: int = 4) -> Setup:
        limits = {"max_event_queue": max_event_queue, "event_queue_policy": policy}
        address = f"unix:{tmp_path}/s.sock"
        server = await Node.start({"node": "server", "modules": [plg.PluginsModule.name], "limits": limits,
                                   **({"listen": [address]} if where == "unix" else {})},
                                  implementations={plg.PluginsModule.name: plg.PluginsHandlers()}, modules=[plg.PluginsModule])
        nodes.append(server)
        client = server
        if where == "unix":
            client = await Node.start({"node": "client", "limits": limits,
                                       "connect": [{"address": address, "modules": [plg.PluginsModule.name]}]},
                                      modules=[plg.PluginsModule])
            nodes.append(client)
        return Setup(plg, server, client)

    yield setup
    for node in nodes:
        await node.close(500)


async def until(done: Callable[[], bool], what: str) -> None:
    for _ in range(500):
        if done():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def code_of(awaitable: Any) -> ErrorCode | str:
    try:
        await awaitable
    except InteropError as e:
        return ErrorCode(e.code)
    return "resolved"


def ns(ticks: list[Any]) -> list[int]:
    return [t.n for t in ticks]


async def test_next_returns_events_in_order_waits_and_times_out(make: Callable[..., Any]) -> None:
    s = await make("drop_oldest")
    polled = await s.polled()
    assert await code_of(polled.next(0)) == ErrorCode.DEADLINE_EXCEEDED
    started = asyncio.get_running_loop().time()
    assert await code_of(polled.next(100)) == ErrorCode.DEADLINE_EXCEEDED
    assert asyncio.get_running_loop().time() - started >= 0.095
    waiting = asyncio.ensure_future(polled.next(10_000))
    await asyncio.sleep(0)
    s.publish(1)
    s.publish(2)
    assert (await waiting).n == 1
    assert (await polled.next(10_000)).n == 2
    await polled.unsubscribe()
    assert await code_of(polled.next(1000)) == ErrorCode.CANCELLED


async def test_async_for_takes_every_event_and_ends_on_unsubscribe(make: Callable[..., Any]) -> None:
    s = await make("drop_oldest", 64)
    polled = await s.polled()
    for n in range(1, 6):
        s.publish(n)
    seen: list[Any] = []
    async for tick in polled:
        seen.append(tick)
        if tick.n == 3:
            break
    assert (await polled.next(10_000)).n == 4  # leaving the loop kept the subscription
    rest: list[Any] = []

    async def loop() -> None:
        async for tick in polled:
            rest.append(tick)

    task = asyncio.ensure_future(loop())
    await until(lambda: len(rest) == 1, "event 5")
    await polled.unsubscribe()
    await asyncio.wait_for(task, 5)
    assert ns(seen + rest) == [1, 2, 3, 5]


@pytest.mark.parametrize("policy", ["drop_oldest", "drop_newest"])
async def test_same_queue_and_drops_as_a_handler_that_does_not_keep_up(make: Callable[..., Any], where: str,
                                                                       policy: str) -> None:
    s = await make(policy, 4)
    polled = await s.polled()
    # A handler stuck on its first event, beside it: the reference for the queue's behaviour.
    release = asyncio.Event()
    held: list[Any] = []

    async def stuck_handler(tick: Any) -> None:
        held.append(tick)
        await release.wait()

    stuck = await s.client.subscribe_tick(stuck_handler)
    s.publish(1)
    # Event 1 reached both queues: held by the stuck handler, offered by the poller.
    await until(lambda: len(held) == 1, "event 1")
    await asyncio.sleep(0.05)
    for n in range(2, 21):
        s.publish(n)
    # One event in hand, max_event_queue (4) waiting, the 15 others dropped by the policy.
    await until(lambda: polled.dropped == 15 and stuck.dropped == 15, "15 drops on each")
    got: list[Any] = []
    while True:
        try:
            got.append(await polled.next(0 if where == "direct" else 300))
        except InteropError:
            break
    assert ns(got) == ([1, 17, 18, 19, 20] if policy == "drop_oldest" else [1, 2, 3, 4, 5])
    assert polled.dropped == stuck.dropped
    release.set()
