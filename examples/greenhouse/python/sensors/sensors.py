"""The greenhouse.sensors module (schema/sensors.interop), in Python, as a package.

It simulates three sensors and publishes a reading every GREENHOUSE_INTERVAL_MS (default 250),
round-robin. The south side warms up until its fan runs (greenhouse.climate switches it with the
one-way call set_fan); the west side cools down steadily.

The node host for package modules (`python -m interop_runtime.host`) loads it: `create` is the
entry named in interop-package.json, and `run` publishes until the node closes."""

from __future__ import annotations

import asyncio
import os
from typing import AsyncIterator

from interop_runtime import CallContext
from interop_runtime.host import ModulePackage, PackageHost
from interop_runtime.node import Node

from .gen.greenhouse_sensors import Reading, SensorsEvents, SensorsHandlers, SensorsModule, UnknownSensor

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
            print(f"read({sensor!r}): no such sensor, raising UnknownSensor for the caller", flush=True)
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
        print(f"set_fan({sensor!r}, {on}) from node {ctx.peer}: fan {'ON' if on else 'off'}", flush=True)
        if on:
            self.fans.add(sensor)
        else:
            self.fans.discard(sensor)

    async def publish(self, node: Node) -> None:
        """One reading every INTERVAL_MS, round-robin over the sensors, until cancelled."""
        print(f"sensors node up (pid {os.getpid()}): publishing a reading every {INTERVAL_MS} ms", flush=True)
        events = SensorsEvents(node)
        names = list(self.celsius)
        i = 0
        while True:
            await asyncio.sleep(INTERVAL_MS / 1000)
            events.reading(self.measure(names[i % len(names)]))
            i += 1


def create(host: PackageHost) -> ModulePackage:
    greenhouse = Greenhouse()
    return ModulePackage(module=SensorsModule, handlers=greenhouse, run=greenhouse.publish)
