"""The greenhouse.advisor module (schema/advisor.interop), in Python, as a stdio plugin.

The node that hosts greenhouse.climate spawns this program and speaks frames over its stdin and
stdout, so this program must never print to stdout: its log goes to stderr, which the parent
passes through. To judge the trend it calls back into greenhouse.climate, over the same pipe: the
parent is the only node it knows (its node config says "stdio": true and nothing else)."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the generated package python/gen

from interop_runtime import CallContext  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen.greenhouse_advisor import Advice, AdvisorHandlers, AdvisorModule, ImplausibleReading  # noqa: E402
from gen.greenhouse_climate import ClimateClient, ClimateModule  # noqa: E402


def log(line: str) -> None:
    print(f"[advisor plugin] {line}", file=sys.stderr, flush=True)


class Advisor(AdvisorHandlers):
    def __init__(self) -> None:
        self.climate: ClimateClient | None = None
        self.ready = asyncio.Event()

    async def advise(self, sensor: str, celsius: float, ctx: CallContext) -> Advice:
        if celsius < -273.15:
            raise ImplausibleReading(celsius=celsius, message=f"{celsius} °C is below absolute zero")
        await self.ready.wait()
        assert self.climate is not None
        # Python -> TypeScript: a call back into the parent while the parent waits for our answer.
        summary = await self.climate.summary()
        log(f"advise({sensor!r}, {celsius:.1f}): asked the parent for greenhouse.climate.summary(): "
            f"{summary.alerts} alert(s) so far, max {summary.max_celsius:.1f} °C")
        if celsius >= 30:
            return Advice(text=f"open the vents and run the {sensor} fan "
                               f"(hottest so far {summary.max_celsius:.1f} °C)", fan_on=True)
        return Advice(text=f"close the {sensor} vents and check the heater "
                           f"(coldest so far {summary.min_celsius:.1f} °C)", fan_on=False)


async def main() -> None:
    advisor = Advisor()
    # modules: every descriptor this program knows. The config hosts advisor; climate, which it
    # neither hosts nor reaches otherwise, is called on the parent.
    node = await Node.start(None, implementations={AdvisorModule.name: advisor}, modules=[AdvisorModule, ClimateModule])
    advisor.climate = ClimateClient(node)
    advisor.ready.set()
    log("started by its parent, serving greenhouse.advisor on stdin/stdout")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    waiters = [asyncio.create_task(stop.wait())] + [asyncio.create_task(c.wait_closed()) for c in node.connections]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)  # the parent closed our stdin, or SIGTERM
    log("parent gone: stopping")
    await node.close(500)


if __name__ == "__main__":
    asyncio.run(main())
