"""The Python implementation of test.streams (streams.interop), shared by the Python stream tests
(runtime-python/tests/test_streams.py) and by peer.py, the process the cross-language tests talk
to; mirrors streams-impl.ts. The generated module is passed in."""

from __future__ import annotations

import asyncio
import os
import time
import types
from typing import Any, AsyncIterator, Callable

from interop_runtime import CallContext, ErrorCode, InteropError


def chunk(size: int) -> bytes:
    return bytes(j % 251 for j in range(size))


def rss_bytes() -> int:
    """This process's resident memory (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class Stats:
    """What the handlers saw, for the `stats` function."""

    def __init__(self) -> None:
        self.flood_produced = 0
        self.cancelled_at_ms = 0.0
        self.cancel_code = 0
        #: Bytes the runtime holds for the caller, when the test can reach the connection.
        self.held_bytes: Callable[[], int] = lambda: 0


def make_impl(gen: types.ModuleType, stats: Stats) -> Any:
    """A handlers object (subclass of the generated StreamsHandlers)."""

    def cancelled(error: BaseException) -> None:
        stats.cancelled_at_ms = time.time() * 1000
        stats.cancel_code = error.code if isinstance(error, InteropError) else ErrorCode.CANCELLED

    class Impl(gen.StreamsHandlers):  # type: ignore[misc, name-defined]
        async def upload(self, strict: bool, chunks: AsyncIterator[bytes], ctx: CallContext) -> int:
            total = 0
            try:
                async for c in chunks:
                    if strict and not c:
                        raise gen.Refused(reason="empty chunk")
                    total += len(c)
            except (asyncio.CancelledError, InteropError) as e:
                if not isinstance(e, gen.Refused):
                    cancelled(e)
                raise
            return total

        async def download(self, sizes: list[int], ctx: CallContext) -> AsyncIterator[bytes]:
            try:
                for size in sizes:
                    yield chunk(size)
            except (asyncio.CancelledError, GeneratorExit) as e:
                cancelled(e)
                raise

        async def ping_pong(self, lines: AsyncIterator[str], ctx: CallContext) -> AsyncIterator[str]:
            try:
                async for line in lines:
                    yield f"pong {line}"
            except (asyncio.CancelledError, GeneratorExit, InteropError) as e:
                cancelled(e)
                raise

        async def ticks(self, count: int, end: str, ctx: CallContext) -> AsyncIterator[Any]:
            try:
                for n in range(1, count + 1):
                    yield gen.Tick(n=n, at_ms=time.time() * 1000)
                if end == "refused":
                    raise gen.Refused(reason=f"after {count}")
                if end == "cancel":
                    raise InteropError(ErrorCode.CANCELLED, f"the callee stopped after {count}")
                if end == "internal":
                    raise RuntimeError("handler bug")
                if end == "bad":
                    yield gen.Tick(n=-1, at_ms=time.time() * 1000)
                if end == "hang":
                    await asyncio.Event().wait()
            except (asyncio.CancelledError, GeneratorExit) as e:
                cancelled(e)
                raise

        async def flood(self, size: int, total: int, ctx: CallContext) -> AsyncIterator[bytes]:
            stats.flood_produced = 0
            data = chunk(size)
            sent = 0
            try:
                while sent < total:
                    stats.flood_produced += 1
                    yield memoryview(data).tobytes()  # a fresh allocation, as a file's would be
                    sent += size
            except (asyncio.CancelledError, GeneratorExit) as e:
                cancelled(e)
                raise

        async def take(self, take: int, items: AsyncIterator[int], ctx: CallContext) -> int:
            total = 0
            for _ in range(take):
                try:
                    total += await items.__anext__()
                except StopAsyncIteration:
                    break
            return total

        async def stats(self, ctx: CallContext) -> Any:
            return gen.Stats(flood_produced=stats.flood_produced, held_bytes=stats.held_bytes(),
                             cancelled_at_ms=stats.cancelled_at_ms, cancel_code=stats.cancel_code,
                             rss_bytes=rss_bytes())

    return Impl()
