"""Python conformance server (test/conformance/README.md): hosts interop.conformance as the node
config in INTEROP_NODE_CONFIG says (listen on unix/tcp, or serve stdio as a plugin) until
SIGTERM. Implements every function except `unimplemented`."""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sys
import time
from pathlib import Path
from typing import AsyncIterator

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_runtime import CallContext, ErrorCode, InteropError  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen.interop_conformance import (  # noqa: E402
    Busy, Containers, ConformanceEvents, ConformanceHandlers, ConformanceModule, Everything, Invalid,
    Level, NotFound, Optionals, Scalars, Shape, StreamStats, Tick,
)


def whole(v: float) -> float:
    """An integral f32/f64 as a Python int, as Python code often holds one (mypy accepts an int for
    a float). It must still travel as a float (docs/wire.md §3.2): this server returns such values
    as ints, and the client passes such arguments as ints, so every peer in the matrix meets them."""
    if isinstance(v, int):
        return v  # in-process (direct), an int the client passed arrives as it is (docs/transports.md)
    return int(v) if math.isfinite(v) and v.is_integer() and math.copysign(1.0, v) > 0 else v


def chunk(size: int) -> bytes:
    return bytes(j % 251 for j in range(size))


def tick(n: int) -> Tick:
    """A tick as tick_stream sends it: its number and the producer's wall clock (ms) as text."""
    return Tick(n=n, text=str(int(time.time() * 1000)))


class Conformance(ConformanceHandlers):
    def __init__(self) -> None:
        self.count = 0
        self.note_text = ""
        self.events: ConformanceEvents | None = None
        self.flood_produced = 0
        self.cancelled_at_ms = 0.0

    def cancelled(self) -> None:
        """A stream handler learned that its stream was cancelled."""
        self.cancelled_at_ms = time.time() * 1000

    async def echo_bool(self, v: bool, ctx: CallContext) -> bool: return v
    async def echo_i8(self, v: int, ctx: CallContext) -> int: return v
    async def echo_i16(self, v: int, ctx: CallContext) -> int: return v
    async def echo_i32(self, v: int, ctx: CallContext) -> int: return v
    async def echo_i64(self, v: int, ctx: CallContext) -> int: return v
    async def echo_u8(self, v: int, ctx: CallContext) -> int: return v
    async def echo_u16(self, v: int, ctx: CallContext) -> int: return v
    async def echo_u32(self, v: int, ctx: CallContext) -> int: return v
    async def echo_u64(self, v: int, ctx: CallContext) -> int: return v
    async def echo_f32(self, v: float, ctx: CallContext) -> float: return whole(v)
    async def echo_f64(self, v: float, ctx: CallContext) -> float: return whole(v)
    async def echo_string(self, v: str, ctx: CallContext) -> str: return v
    async def echo_bytes(self, v: bytes, ctx: CallContext) -> bytes: return v
    async def echo_level(self, v: Level, ctx: CallContext) -> Level: return v
    async def echo_list(self, v: list[str], ctx: CallContext) -> list[str]: return v
    async def echo_map(self, v: dict[str, int], ctx: CallContext) -> dict[str, int]: return v
    async def echo_maybe(self, v: int | None, ctx: CallContext) -> int | None: return v
    async def echo_scalars(self, v: Scalars, ctx: CallContext) -> Scalars: return v
    async def echo_containers(self, v: Containers, ctx: CallContext) -> Containers: return v
    async def echo_optionals(self, v: Optionals, ctx: CallContext) -> Optionals: return v
    async def echo_shape(self, v: Shape, ctx: CallContext) -> Shape: return v
    async def echo_everything(self, v: Everything, ctx: CallContext) -> Everything: return v

    async def add(self, a: int, b: int, ctx: CallContext) -> int:
        return a + b

    async def nothing(self, ctx: CallContext) -> None:
        return None

    async def fail(self, kind: str, ctx: CallContext) -> str:
        if kind == "not_found":
            raise NotFound(key="missing")
        if kind == "invalid":
            raise Invalid(field="kind", reason="bad", limit=-(2**63))
        if kind == "busy":
            raise Busy(retry_ms=2**32 - 1)
        if kind == "internal":
            raise RuntimeError("a plain Python exception")
        return kind

    async def slow(self, ms: int, ctx: CallContext) -> int:
        await asyncio.sleep(ms / 1000)  # cancellation interrupts the sleep
        return ms

    async def next_count(self, ctx: CallContext) -> int:
        self.count += 1
        return self.count

    async def note(self, text: str, ctx: CallContext) -> None:
        self.note_text = text

    async def last_note(self, ctx: CallContext) -> str:
        return self.note_text

    async def publish(self, count: int, text: str, ctx: CallContext) -> None:
        assert self.events is not None
        for n in range(1, count + 1):
            self.events.ticked(Tick(n=n, text=text))
        self.events.pinged()

    async def upload(self, chunks: AsyncIterator[bytes], ctx: CallContext) -> int:
        return sum([len(c) async for c in chunks])

    async def download(self, sizes: list[int], ctx: CallContext) -> AsyncIterator[bytes]:
        for size in sizes:
            yield chunk(size)

    async def ping_pong(self, lines: AsyncIterator[str], ctx: CallContext) -> AsyncIterator[str]:
        async for line in lines:
            yield f"pong {line}"

    async def tick_stream(self, count: int, end: str, ctx: CallContext) -> AsyncIterator[Tick]:
        try:
            for n in range(1, count + 1):
                yield tick(n)
            if end == "busy":
                raise Busy(retry_ms=count)
            if end == "cancel":
                raise InteropError(ErrorCode.CANCELLED, f"the callee stopped after {count}")
            if end == "hang":
                await asyncio.Event().wait()
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled()
            raise

    async def flood(self, chunk_size: int, total: int, ctx: CallContext) -> AsyncIterator[bytes]:
        self.flood_produced = 0
        data = chunk(chunk_size)
        sent = 0
        try:
            while sent < total:
                self.flood_produced += 1
                yield data
                sent += chunk_size
        except (asyncio.CancelledError, GeneratorExit):
            self.cancelled()
            raise

    async def stream_stats(self, ctx: CallContext) -> StreamStats:
        return StreamStats(flood_produced=self.flood_produced, cancelled_at_ms=self.cancelled_at_ms)

    async def die_mid_stream(self, count: int, ctx: CallContext) -> AsyncIterator[Tick]:
        for n in range(1, count + 1):
            yield tick(n)
        # Let those ticks reach the socket, then die as a crash would: no GOODBYE, no close.
        await asyncio.sleep(0.05)
        os.kill(os.getpid(), signal.SIGKILL)


async def main() -> None:
    impl = Conformance()
    node = await Node.start(None, implementations={ConformanceModule.name: impl}, modules=[ConformanceModule])
    impl.events = ConformanceEvents(node)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    waiters = [asyncio.create_task(stop.wait())]
    if node.connections and not node.servers:  # a stdio plugin also stops when its parent goes
        waiters += [asyncio.create_task(c.wait_closed()) for c in node.connections]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    await node.close(500)


if __name__ == "__main__":
    asyncio.run(main())
