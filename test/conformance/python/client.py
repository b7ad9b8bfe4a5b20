"""Python conformance client (test/conformance/README.md): runs every case through the generated
ConformanceClient over the node config in INTEROP_NODE_CONFIG and prints one JSON line per case.
Usage: client.py --cases PATH --transport T --codec C [--quick]"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_runtime import ApplicationError, ErrorCode, InteropError, error_code_name  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen.interop_conformance import ConformanceClient, ConformanceModule  # noqa: E402
from server import Conformance, whole  # noqa: E402

M = ConformanceModule


def decode_args(function: str, args: str) -> tuple[Any, ...]:
    values = M.functions[function].params.decode(args.encode() if args else b"{}", "json", 64)
    if function in ("echo_f32", "echo_f64"):
        return tuple(whole(v) for v in values)  # whole numbers as ints: see server.whole
    return values


def result_json(function: str, value: Any) -> str | None:
    codec = M.functions[function].result
    return None if codec is None else codec.encode(value, "json").decode()


async def invoke(client: ConformanceClient, function: str, args: tuple[Any, ...], timeout_ms: int | None) -> Any:
    method = getattr(client, M.functions[function].method)
    return await method(*args, timeout_ms=timeout_ms)


def check_error(case: dict[str, Any], error: InteropError) -> str | None:
    want = case["error"]
    if error_code_name(error.code) != want["code"]:
        return f"expected {want['code']}, got {error!r}"
    if want["code"] == "APPLICATION_ERROR":
        desc = M.errors.get(want["type"])
        if desc is None or not isinstance(error, desc.cls):
            return f"expected a {want['type']} instance, got {type(error).__name__}"
        detail = desc.codec.encode(error, "json").decode()
        if detail != want["detail"]:
            return f"detail {detail} != {want['detail']}"
    return None


async def run_call(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    args = decode_args(case["function"], case["args"])
    try:
        value = await invoke(client, case["function"], args, case.get("timeout_ms"))
    except InteropError as e:
        if "error" in case:
            return check_error(case, e)
        return f"unexpected error {e!r}"
    if "error" in case:
        return f"expected {case['error']['code']}, got a result"
    got = result_json(case["function"], value)
    if got != case.get("result"):
        return f"result {got} != {case.get('result')}"
    return None


async def run_oneway(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    getattr(client, M.functions[case["function"]].method)(*decode_args(case["function"], case["args"]))
    then = case["then"]
    deadline = time.monotonic() + 5
    got: str | None = None
    while time.monotonic() < deadline:
        got = result_json(then["function"], await invoke(client, then["function"], decode_args(then["function"], then["args"]), None))
        if got == then["result"]:
            return None
        await asyncio.sleep(0.02)
    return f"then-result {got} != {then['result']}"


async def run_events(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    seen: list[dict[str, Any]] = []
    want = case["events"]
    done = asyncio.Event()
    subs = []
    for name in case["subscribe"]:
        desc = M.events[name]

        def handler(payload: Any, name: str = name, codec: Any = desc.payload) -> None:
            seen.append({"event": name, "payload": None if codec is None else codec.encode(payload, "json").decode()})
            if len(seen) >= len(want):
                done.set()

        subs.append(await client._invoker.subscribe(M, desc, handler))
    error = await run_call(client, case)
    if error:
        return error
    try:
        await asyncio.wait_for(done.wait(), 5)
    except TimeoutError:
        return f"got events {seen}, want {want}"
    finally:
        for sub in subs:
            await sub.unsubscribe()
    return None if seen == want else f"events {seen} != {want}"


async def run_concurrent(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    args = decode_args(case["function"], case["args"])
    results = await asyncio.gather(*(invoke(client, case["function"], args, None) for _ in range(case["calls"])))
    values = sorted(int(v) for v in results)
    if values != list(range(values[0], values[0] + case["calls"])):
        return f"results are not distinct and consecutive: {values[:5]}…"
    return None


async def run_big_echo(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    data = bytes(i % 251 for i in range(case["length"]))
    got = await invoke(client, case["function"], (data,), None)
    return None if got == data else f"echo of {len(data)} bytes differs (got {len(got)})"


RUNNERS = {"call": run_call, "oneway": run_oneway, "events": run_events, "concurrent": run_concurrent,
           "big_echo": run_big_echo}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", required=True)
    parser.add_argument("--transport", required=True)
    parser.add_argument("--codec", required=True)
    parser.add_argument("--quick", action="store_true")
    opts = parser.parse_args()
    cases = json.loads(Path(opts.cases).read_text())["cases"]
    impl = Conformance()
    node = await Node.start(None, implementations={M.name: impl}, modules=[M])
    if node.direct.hosts(M.name):
        from gen.interop_conformance import ConformanceEvents
        impl.events = ConformanceEvents(node)
    client = ConformanceClient(node)
    for case in cases:
        if opts.quick and case.get("quick") is False:
            continue
        try:
            problem = await RUNNERS[case["kind"]](client, case)
        except Exception as e:  # one broken case must not hide the others
            problem = f"raised {e!r}"
        line: dict[str, Any] = {"case": case["name"], "ok": problem is None}
        if problem is not None:
            line["detail"] = problem
        print(json.dumps(line), flush=True)
    await node.close(500)


if __name__ == "__main__":
    asyncio.run(main())
