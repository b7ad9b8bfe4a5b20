"""The Python consumer of the cross-language flood (cross-language.test.ts): connects to the
producer at ADDRESS, notes its memory, asks it for a 100 MiB stream of 64 KiB items, reads 10 and
then stops reading (without cancelling) for 500 ms, notes the memory of both processes again,
reads a window more, and prints the figures as one JSON line. The generated package `gen_streams`
is in the folder STREAMS_GEN_PY."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, os.environ["STREAMS_GEN_PY"])
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_runtime.node import Node  # noqa: E402

from gen_streams import test_streams as gen  # noqa: E402
from streams_impl import rss_bytes  # noqa: E402

CHUNK, TOTAL, READ = 65_536, 100 * 1024 * 1024, 10


async def main(address: str) -> None:
    node = Node("consumer")
    await node.connect(address, [gen.StreamsModule])
    client = gen.StreamsClient(node)
    before = await client.stats()
    consumer_before = rss_bytes()
    window = node.limits.stream_window
    async with client.flood(CHUNK, TOTAL) as flood:
        items = aiter(flood)
        for _ in range(READ):
            await anext(items)
        await asyncio.sleep(0.5)
        after = await client.stats()
        consumer_after = rss_bytes()
        for _ in range(window):
            await anext(items)
    print(json.dumps({
        "produced": after.flood_produced, "window": window, "read": READ, "chunk": CHUNK,
        "producer_growth": after.rss_bytes - before.rss_bytes, "consumer_growth": consumer_after - consumer_before,
    }), flush=True)
    await node.close(100)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
