"""A node serving test.streams (streams.interop) in Python, for the cross-language stream tests
(cross-language.test.ts): the generated package `gen_streams` is in the folder STREAMS_GEN_PY;
the node config comes from INTEROP_NODE_CONFIG, as for any node. Prints "serving" once it
listens; stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, os.environ["STREAMS_GEN_PY"])
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_runtime.node import Node  # noqa: E402

from gen_streams import test_streams as gen  # noqa: E402
from streams_impl import Stats, make_impl  # noqa: E402


async def main() -> None:
    node = await Node.start(None, implementations={gen.StreamsModule.name: make_impl(gen, Stats())}, modules=[gen.StreamsModule])
    print("serving", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await node.close(500)


if __name__ == "__main__":
    asyncio.run(main())
