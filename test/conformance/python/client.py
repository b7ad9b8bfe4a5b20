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


def chunk(size: int) -> bytes:
    return bytes(i % 251 for i in range(size))


def open_stream(client: ConformanceClient, case: dict[str, Any], *extra: Any, **options: Any) -> Any:
    """A stream method of the generated client, called with the case's decoded arguments."""
    method = getattr(client, M.functions[case["function"]].method)
    return method(*decode_args(case["function"], case["args"]), *extra, **options)


async def run_client_stream(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    got = result_json(case["function"], await open_stream(client, case, [chunk(n) for n in case["sizes"]]))
    return None if got == case["result"] else f"result {got} != {case['result']}"


async def run_server_stream(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    got = [item async for item in open_stream(client, case)]
    if [len(g) for g in got] != case["sizes"]:
        return f"chunk sizes {[len(g) for g in got]} != {case['sizes']}"
    return None if all(g == chunk(len(g)) for g in got) else "a chunk has the wrong bytes"


async def run_ping_pong(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    answered = asyncio.Event()

    async def lines() -> Any:
        for line in case["lines"]:
            answered.clear()
            yield line
            await answered.wait()  # the next line only after this one's answer

    answers = []
    async for answer in open_stream(client, case, lines()):
        answers.append(answer)
        answered.set()
    want = [f"pong {line}" for line in case["lines"]]
    return None if answers == want else f"answers {answers} != {want}"


async def run_ticks(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    """Ticks 1 … count, then the case's error (or a clean end), within_ms after the last tick when set."""
    ticks: list[Any] = []
    error: InteropError | None = None
    try:
        async for t in open_stream(client, case, timeout_ms=case.get("timeout_ms")):
            ticks.append(t)
    except InteropError as e:
        error = e
    learned_at = time.time() * 1000
    if [t.n for t in ticks] != list(range(1, case["count"] + 1)):
        return f"ticks {[t.n for t in ticks]}, want 1…{case['count']}"
    if "error" not in case:
        return None if error is None else f"unexpected error after the ticks: {error!r}"
    if error is None:
        return f"expected {case['error']['code']} after the ticks, the stream ended"
    problem = check_error(case, error)
    if problem is not None:
        return problem
    took = learned_at - int(ticks[-1].text)
    bound = case.get("within_ms")
    return None if bound is None or took < bound else f"learned of it {took:.0f} ms after the last tick (bound {bound} ms)"


async def run_cancel_by_caller(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    stopped_at = 0.0
    async with open_stream(client, case) as ticks:
        async for t in ticks:
            if t.n == case["count"]:
                stopped_at = float(int(time.time() * 1000))  # whole ms, as a TS server's Date.now()
                break
    end = time.monotonic() + 5
    while time.monotonic() < end:
        cancelled_at = (await client.stream_stats()).cancelled_at_ms
        if cancelled_at >= stopped_at:
            took = cancelled_at - stopped_at
            return None if took < case["within_ms"] else f"the callee learned of the cancel {took:.0f} ms later (bound {case['within_ms']} ms)"
        await asyncio.sleep(0.005)
    return "the callee never learned that the stream was cancelled"


async def run_flood(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    read, window = case["read"], case["window"]
    async with open_stream(client, case) as stream:
        items = aiter(stream)
        for _ in range(read):
            await anext(items)
        # The producer runs on as far as credit lets it: at least half a window ahead (however
        # long that takes on a loaded machine), and, given time, never more than a window.
        end = time.monotonic() + 10
        while time.monotonic() < end and (await client.stream_stats()).flood_produced < read + window // 2:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        produced = (await client.stream_stats()).flood_produced
        if not read + window // 2 <= produced <= read + window:
            return f"the producer made {produced} items with {read} read and a window of {window}"
        for _ in range(window):
            await anext(items)
    return None


async def run_refused_stream(client: ConformanceClient, case: dict[str, Any]) -> str | None:
    """A stream over a transport that does not carry streams: the case's error, and no item."""
    f = M.functions[case["function"]]

    async def nothing() -> Any:
        return
        yield

    try:
        opened = open_stream(client, case, *([nothing()] if f.input is not None else []))
        if f.output is not None:
            async for _ in opened:
                return "an item arrived"
        else:
            await opened
    except InteropError as e:
        return check_error(case, e)
    return f"expected {case['error']['code']}, the stream ended"


RUNNERS = {"call": run_call, "oneway": run_oneway, "events": run_events, "concurrent": run_concurrent,
           "big_echo": run_big_echo, "client_stream": run_client_stream, "server_stream": run_server_stream,
           "ping_pong": run_ping_pong, "ticks": run_ticks, "cancel_by_caller": run_cancel_by_caller,
           "flood": run_flood, "refused_stream": run_refused_stream}


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
        if opts.transport not in case.get("transports", [opts.transport]):
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
