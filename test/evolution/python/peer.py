"""A Python peer of the mixed-version matrix (test/evolution/README.md), built from version v1 or
v2 of test/evolution/*.interop (generated into gen_v1/ and gen_v2/ by the test).

    peer.py --version v1 --serve          serve interop.evolution as INTEROP_NODE_CONFIG says
    peer.py --version v2 --run PLAN.json  run the plan's cases against each of its targets

A client prints one JSON line per target and case: {"target", "case", "outcome"}, where the
outcome is what happened, not a verdict: the test compares it with the expected one. After the
cases of a target, the case "manifest" reports its node's `mixed_versions`. Mirrors
test/evolution/ts/peer.ts."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_runtime import ApplicationError, CallContext, InteropError, error_code_name  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--version", choices=["v1", "v2"], required=True)
parser.add_argument("--serve", action="store_true")
parser.add_argument("--run")
opts = parser.parse_args()
version = opts.version
gen: Any = importlib.import_module(f"gen_{version}.interop_evolution")
M = gen.EvolutionModule


class Evolution(gen.EvolutionHandlers):  # type: ignore[misc, name-defined]
    """The server side of both versions: what each function does is in the .interop docs."""

    def __init__(self) -> None:
        self.events: Any = None

    async def ping(self, text: str, ctx: CallContext) -> str:
        return f"{version}:{text}"

    async def echo_note(self, note: Any, ctx: CallContext) -> Any:
        return note if version == "v1" else gen.Note(text=note.text, tag=f"v2:{note.tag or 'none'}")

    async def paint(self, color: Any, ctx: CallContext) -> Any:
        return color

    async def favorite(self, ctx: CallContext) -> Any:
        return gen.Color.GREEN if version == "v1" else gen.Color.BLUE

    async def measure(self, m: Any, ctx: CallContext) -> Any:
        return m

    async def legacy(self, ctx: CallContext) -> str:
        return "legacy"

    async def extra(self, ctx: CallContext) -> str:
        return "extra"

    async def check(self, n: int, ctx: CallContext) -> int:
        if n > 10:
            raise gen.TooBig(limit=10, message="n is above 10")
        if n < 0 and version == "v2":
            raise gen.TooSmall(limit=0, message="n is below 0")
        return n

    async def tick(self, n: int, ctx: CallContext) -> None:
        for i in range(1, n + 1):
            self.events.ticked(gen.Tick(n=i) if version == "v1" else gen.Tick(n=i, label="v2"))


async def serve() -> None:
    impl = Evolution()
    node = await Node.start(None, implementations={M.name: impl}, modules=[M])
    impl.events = gen.EvolutionEvents(node)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    waiters = [asyncio.create_task(stop.wait())]
    if node.connections and not node.servers:  # a stdio plugin also stops when its parent goes
        waiters += [asyncio.create_task(c.wait_closed()) for c in node.connections]
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    await node.close(500)


def failure(error: BaseException) -> dict[str, Any]:
    if isinstance(error, ApplicationError):
        detail = M.errors[error.error_type].codec.encode(error, "json").decode()
        return {"error": "APPLICATION_ERROR", "type": error.error_type, "detail": detail, "message": error.message}
    if isinstance(error, InteropError):
        return {"error": error_code_name(error.code), "message": error.message}
    return {"error": "CRASH", "message": "".join(traceback.format_exception(error))}


async def run_case(node: Node, case: dict[str, Any]) -> dict[str, Any]:
    seen: list[str] = []
    enough = asyncio.Event()
    subscription = None

    def on_event(payload: Any) -> None:
        seen.append(event.payload.encode(payload, "json").decode() if event.payload else "null")
        if len(seen) == case.get("events"):
            enough.set()

    try:
        if "subscribe" in case:
            event = M.events[case["subscribe"]]
            subscription = await node.subscribe(M, event, on_event)
        if "function" not in case:
            return {"subscribed": True}
        fn = M.functions[case["function"]]
        args = fn.params.decode(case.get("args", "{}").encode(), "json", 64)
        value = await node.call(M, fn, args)
        if "events" in case:
            try:
                await asyncio.wait_for(enough.wait(), 5)
            except TimeoutError:
                pass
            return {"events": seen}
        return {"result": None if fn.result is None else fn.result.encode(value, "json").decode()}
    except Exception as e:  # one broken case must not hide the others
        return failure(e)
    finally:
        if subscription is not None:
            await subscription.unsubscribe()


async def run_target(target: dict[str, Any], cases: list[dict[str, Any]]) -> None:
    node = None
    try:
        node = await Node.start(target["config"], modules=[M])
        for case in cases:
            outcome = await run_case(node, case)
            print(json.dumps({"target": target["label"], "case": case["name"], "outcome": outcome}), flush=True)
        # What `interop inspect` shows of this node's link (docs/wire.md §7).
        mixed = {"mixed_versions": node.control("manifest")["mixed_versions"]}
        print(json.dumps({"target": target["label"], "case": "manifest", "outcome": mixed}), flush=True)
    except Exception as e:
        print(json.dumps({"target": target["label"], "case": "*", "outcome": failure(e)}), flush=True)
    finally:
        if node is not None:
            await node.close(500)


async def run(path: str) -> None:
    """The links one after the other: a server's events reach every subscriber it has."""
    plan = json.loads(Path(path).read_text())
    for target in plan["targets"]:
        await run_target(target, plan["cases"])


asyncio.run(serve() if opts.serve else run(opts.run))
