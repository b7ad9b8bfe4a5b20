"""A Python node for the browser tests (test/browser/browser.test.ts): hosts test.browser, generated
into the directory BROWSER_GEN names, as the node config in INTEROP_NODE_CONFIG says, prints its
endpoints on one line, and runs until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import AsyncIterator

sys.path.insert(0, os.environ["BROWSER_GEN"])

from interop_runtime import CallContext  # noqa: E402
from interop_runtime.node import Node  # noqa: E402
from test_browser import BrowserEvents, BrowserHandlers, BrowserModule, Nope, Tick  # noqa: E402


class Impl(BrowserHandlers):
    def __init__(self) -> None:
        self.last = ""
        self.events: BrowserEvents | None = None

    async def add(self, a: int, b: int, ctx: CallContext) -> int:
        return a + b

    async def refuse(self, why: str, ctx: CallContext) -> str:
        raise Nope(why=why)

    async def note(self, text: str, ctx: CallContext) -> None:
        self.last = text

    async def last_note(self, ctx: CallContext) -> str:
        return self.last

    async def publish(self, count: int, text: str, ctx: CallContext) -> None:
        assert self.events is not None
        for n in range(1, count + 1):
            self.events.ticked(Tick(n=n, text=text))

    async def shout(self, words: AsyncIterator[str], ctx: CallContext) -> AsyncIterator[str]:
        async for word in words:
            yield word.upper()


async def main() -> None:
    impl = Impl()
    node = await Node.start(None, implementations={BrowserModule.name: impl}, modules=[BrowserModule])
    impl.events = BrowserEvents(node)
    print(" ".join(node.endpoints), flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await node.close(200)


asyncio.run(main())
