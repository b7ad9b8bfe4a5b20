"""A client node in Python, for failover.test.ts: the scenarios of client.ts (read them there),
with the same STEP and RESULT lines. PLUGINS_GEN_PY names the folder holding gen_plugins."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from typing import Any, Awaitable, Callable

sys.path.insert(0, os.environ["PLUGINS_GEN_PY"])

from interop_runtime import ErrorCode, InteropError  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen_plugins.test_plugins import PluginsClient, PluginsModule, Tick  # noqa: E402


async def outcome(call: Awaitable[Any]) -> str:
    try:
        await call
        return "ok"
    except InteropError as e:
        return ErrorCode(e.code).name


async def step(name: str) -> None:
    print(f"STEP {name}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)


async def traffic(plugin: PluginsClient, kill: Callable[[], None]) -> dict[str, Any]:
    """100 idempotent adds and 3 slow calls (not idempotent) in flight while `kill` runs."""
    async def add(i: int) -> int:
        await asyncio.sleep(i * 0.005)
        return await plugin.add(i, i)

    adds = [asyncio.ensure_future(add(i)) for i in range(100)]
    slows = [asyncio.ensure_future(outcome(plugin.slow(1500))) for _ in range(3)]
    await asyncio.sleep(0.1)
    kill()
    sums = await asyncio.gather(*adds, return_exceptions=True)
    return {"addsOk": sums == [2 * i for i in range(100)], "slows": sorted(await asyncio.gather(*slows))}


async def failover(plugin: PluginsClient) -> dict[str, Any]:
    ticks: list[int] = []

    def on_tick(t: Tick) -> None:
        ticks.append(t.n)

    sub: Any = await plugin.subscribe_tick(on_tick)
    first = await plugin.pid()
    during = await traffic(plugin, lambda: os.kill(first, signal.SIGKILL))
    second = await plugin.pid()
    # The subscription moves to the second server (renewed from 100 ms after the loss).
    for _ in range(100):
        if sub.resubscriptions:
            break
        await asyncio.sleep(0.05)
    await plugin.emit(3)
    for _ in range(100):
        if len(ticks) >= 3:
            break
        await asyncio.sleep(0.05)
    await step("restart-first")
    rejoined = False
    for _ in range(150):
        pid = await plugin.pid()
        rejoined = pid not in (first, second)
        if rejoined:
            break
        await asyncio.sleep(0.1)
    await step("kill-all")
    started = time.monotonic()
    all_down = await outcome(plugin.add(1, 2))
    all_down_ms = round((time.monotonic() - started) * 1000)
    return {**during, "moved": second != first, "ticks": ticks, "resubscriptions": sub.resubscriptions,
            "rejoined": rejoined, "allDown": all_down, "allDownMs": all_down_ms}


async def round_robin(plugin: PluginsClient) -> dict[str, Any]:
    async def spread(n: int) -> list[int]:
        by: Counter[int] = Counter()
        for _ in range(n):
            by[await plugin.pid()] += 1
        return sorted(by.values())

    before = await spread(30)
    victim = await plugin.pid()
    during = await traffic(plugin, lambda: os.kill(victim, signal.SIGKILL))
    after = await spread(20)
    return {"before": before, **during, "after": after}


async def main() -> None:
    node = await Node.start(None, modules=[PluginsModule])
    plugin = PluginsClient(node)
    result = await (round_robin(plugin) if os.environ.get("SCENARIO") == "round_robin" else failover(plugin))
    print("RESULT " + json.dumps(result), flush=True)
    await node.close(500)


asyncio.run(main())
