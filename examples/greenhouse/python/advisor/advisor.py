"""The greenhouse.advisor module (schema/advisor.interop), in Python, as a package.

In the example it runs as a stdio plugin: the node that hosts greenhouse.climate spawns the
Python node host, which loads this package and speaks frames over its stdin and stdout, so this
code must never print to stdout (the host sends Python's stdout to stderr once it serves on
stdio, and the parent passes stderr through). To judge the trend it calls back into
greenhouse.climate over the same pipe: the parent is the only node it knows."""

from __future__ import annotations

import sys

from interop_runtime import CallContext
from interop_runtime.host import ModulePackage, PackageHost
from interop_runtime.node import Node

from .gen.greenhouse_advisor import Advice, AdvisorHandlers, AdvisorModule, ImplausibleReading
from .gen.greenhouse_climate import ClimateClient, ClimateModule


def log(line: str) -> None:
    print(f"[advisor plugin] {line}", file=sys.stderr, flush=True)


class Advisor(AdvisorHandlers):
    def __init__(self, host: PackageHost) -> None:
        self.host = host

    async def advise(self, sensor: str, celsius: float, ctx: CallContext) -> Advice:
        if celsius < -273.15:
            raise ImplausibleReading(celsius=celsius, message=f"{celsius} °C is below absolute zero")
        # Python -> TypeScript: a call back into the parent while the parent waits for our answer.
        summary = await ClimateClient(self.host.node).summary()
        log(f"advise({sensor!r}, {celsius:.1f}): asked the parent for greenhouse.climate.summary(): "
            f"{summary.alerts} alert(s) so far, max {summary.max_celsius:.1f} °C")
        if celsius >= 30:
            return Advice(text=f"open the vents and run the {sensor} fan "
                               f"(hottest so far {summary.max_celsius:.1f} °C)", fan_on=True)
        return Advice(text=f"close the {sensor} vents and check the heater "
                           f"(coldest so far {summary.min_celsius:.1f} °C)", fan_on=False)


async def announce(node: Node) -> None:
    log("started by its parent, serving greenhouse.advisor on stdin/stdout")


def create(host: PackageHost) -> ModulePackage:
    # uses: climate, which this node neither hosts nor reaches otherwise, is called on the parent.
    return ModulePackage(module=AdvisorModule, handlers=Advisor(host), uses=[ClimateModule], run=announce)
