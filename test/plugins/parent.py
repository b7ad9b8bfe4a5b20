"""A parent node in Python, for plugins.test.ts: the scenario of parent.ts (read it there), with
the same "RESULT <json>" line. PLUGINS_GEN_PY names the folder holding the package gen_plugins."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.environ["PLUGINS_GEN_PY"])

from interop_runtime import ErrorCode, InteropError  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen_plugins.test_plugins import PluginsClient, PluginsModule, Tick  # noqa: E402


async def main() -> None:
    node = await Node.start(None, modules=[PluginsModule])
    plugin = PluginsClient(node)

    sums, chatter = await asyncio.gather(asyncio.gather(*(plugin.add(i, i) for i in range(200))),
                                         asyncio.gather(*(plugin.chatter(50) for _ in range(20))))
    ticks: list[int] = []
    all_ticks = asyncio.Event()

    def on_tick(t: Tick) -> None:
        ticks.append(t.n)
        if len(ticks) == 5:
            all_ticks.set()

    await plugin.subscribe_tick(on_tick)
    await plugin.emit(5)
    try:
        await asyncio.wait_for(all_ticks.wait(), 10)
    except TimeoutError:
        pass

    probe = await plugin.probe(os.environ.get("PROBE_PATH", "/nonexistent/probe"), int(os.environ.get("PROBE_PORT", "9")))

    pid = await plugin.pid()
    pending = asyncio.create_task(plugin.slow(20_000))
    await asyncio.sleep(0.1)
    killed_at = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    try:
        await pending
        killed = "answered"
    except InteropError as e:
        killed = ErrorCode(e.code).name
    kill_ms = round((time.monotonic() - killed_at) * 1000)
    respawned = await plugin.pid() != pid

    result = {"sumsOk": sums == [2 * i for i in range(200)], "printed": sum(chatter), "ticks": ticks,
              "probe": probe, "killed": killed, "killMs": kill_ms, "respawned": respawned}
    print("RESULT " + json.dumps(result), flush=True)
    await node.close(1000)


asyncio.run(main())
