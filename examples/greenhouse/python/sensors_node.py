"""The greenhouse.sensors module (schema/sensors.interop), in Python, as a node of its own.

It simulates three sensors and publishes a reading every GREENHOUSE_INTERVAL_MS (default 250),
round-robin. The south side warms up until its fan runs (greenhouse.climate switches it with the
one-way call set_fan); the west side cools down steadily. Runs until SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import AsyncIterator

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the generated package python/gen

from interop_runtime import CallContext  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen.greenhouse_sensors import Reading, SensorsEvents, SensorsHandlers, SensorsModule, UnknownSensor  # noqa: E402

INTERVAL_MS = int(os.environ.get("GREENHOUSE_INTERVAL_MS", "250"))


class Greenhouse(SensorsHandlers):
    """Three simulated sensors: a steady one, one that overheats without its fan, one that cools."""

    def __init__(self) -> None:
        self.celsius = {"north": 22.0, "south": 27.5, "west": 14.0}
        self.trend = {"north": 0.0, "south": 1.5, "west": -0.6}
        self.fans: set[str] = set()
        self.seq = 0

    def measure(self, sensor: str) -> Reading:
        change = -2.0 if sensor in self.fans else self.trend[sensor]
        self.celsius[sensor] += change
        self.seq += 1
        humidity = 60.0 - (self.celsius[sensor] - 20.0)
        return Reading(sensor=sensor, celsius=round(self.celsius[sensor], 2), humidity=humidity, seq=self.seq)

    async def list_sensors(self, ctx: CallContext) -> list[str]:
        return list(self.celsius)

    async def read(self, sensor: str, ctx: CallContext) -> Reading:
        if sensor not in self.celsius:
            print(f"read({sensor!r}): no such sensor, raising UnknownSensor for the caller")
            raise UnknownSensor(sensor=sensor, message=f"no sensor named {sensor!r}")
        return self.measure(sensor)

    async def sample(self, sensor: str, count: int, ctx: CallContext) -> AsyncIterator[Reading]:
        # A server stream is an async generator: each `yield` sends one item, and waits while the
        # caller has not asked for more (flow control); a caller that stops cancels it here.
        if sensor not in self.celsius:
            raise UnknownSensor(sensor=sensor, message=f"no sensor named {sensor!r}")
        for _ in range(count):
            await asyncio.sleep(0.02)
            yield self.measure(sensor)

    async def set_fan(self, sensor: str, on: bool, ctx: CallContext) -> None:
        print(f"set_fan({sensor!r}, {on}) from node {ctx.peer}: fan {'ON' if on else 'off'}")
        if on:
            self.fans.add(sensor)
        else:
            self.fans.discard(sensor)


async def main() -> None:
    greenhouse = Greenhouse()
    node = await Node.start(None, implementations={SensorsModule.name: greenhouse}, modules=[SensorsModule])
    events = SensorsEvents(node)
    print(f"sensors node up (pid {os.getpid()}): publishing a reading every {INTERVAL_MS} ms", flush=True)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)

    async def publish() -> None:
        names = list(greenhouse.celsius)
        i = 0
        while True:
            await asyncio.sleep(INTERVAL_MS / 1000)
            events.reading(greenhouse.measure(names[i % len(names)]))
            i += 1

    publisher = asyncio.create_task(publish())
    await stop.wait()
    publisher.cancel()
    print("SIGTERM: closing the node")
    await node.close(500)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    asyncio.run(main())
