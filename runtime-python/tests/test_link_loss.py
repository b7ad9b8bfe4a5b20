"""What a subscription over a link loses when its connection is lost (docs/config.md "Several
endpoints", Events): the events still queued for its handler are discarded, and counted as
dropped, on the subscription and in health. The same case as test/runtime/link-loss.test.ts."""

from __future__ import annotations

import asyncio
import types
from pathlib import Path
from typing import Any

from interop_runtime.node import Node

from test_polling import plg  # noqa: F401  (a fixture)


async def test_events_queued_when_the_connection_is_lost_count_as_dropped(plg: types.ModuleType,  # noqa: F811
                                                                           tmp_path: Path) -> None:
    address = f"unix:{tmp_path}/s.sock"
    name = plg.PluginsModule.name
    server = await Node.start({"node": "server", "modules": [name], "listen": [address]},
                              implementations={name: plg.PluginsHandlers()}, modules=[plg.PluginsModule])
    client = await Node.start({"node": "client", "connect": [{"address": address, "modules": [name]}]},
                              modules=[plg.PluginsModule])
    seen: list[Any] = []
    release = asyncio.Event()

    async def stuck(tick: Any) -> None:
        seen.append(tick)
        await release.wait()

    sub = await plg.PluginsClient(client).subscribe_tick(stuck)
    events = plg.PluginsEvents(server)
    for n in range(1, 6):
        events.tick(plg.Tick(n=n))
    for _ in range(200):
        if seen:
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # events 2 to 5 arrive and wait behind the stuck handler
    assert sub.dropped == 0
    await server.close(200)
    for _ in range(200):
        if sub.dropped:
            break
        await asyncio.sleep(0.01)
    assert sub.dropped == 4
    assert client.counters.dropped_events == 4
    release.set()
    await client.close(200)
