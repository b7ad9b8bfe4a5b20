"""Suite 4 (Python): a direct in-process call through the generated stub and Python's
DirectInvoker, the invoker's call with and without the value checks (docs/wire.md §3.4), and a
plain awaited coroutine, alternating in one process. Prints one JSON line:
{"rows": [{shape, key, name, n, ns}]}. Usage: py_direct.py WARMUP REPS SMOKE(0|1)"""
import asyncio
import dataclasses
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "bench", "out", "gen", "python"), os.path.join(ROOT, "runtime-python", "src"),
                os.path.join(ROOT, "bench")]

import bench_shapes as gen  # noqa: E402
from interop_runtime import TypeCodec  # noqa: E402
from interop_runtime.direct import DirectInvoker  # noqa: E402
from shapes.typed import typed_value  # noqa: E402

BATCH = {"small": 20000, "nested": 5000}
ECHO = {"small": ("echoSmall", "echo_small"), "nested": ("echoNested", "echo_nested")}


class Handlers:
    async def echo_small(self, v, ctx):
        return v

    async def echo_nested(self, v, ctx):
        return v


async def plain(v):
    return v


def unchecked(codec):
    return TypeCodec(codec.name, lambda v: None, codec.json_write, codec.json_read, codec.msgpack_tree,
                     codec.msgpack_read, codec.has_f32)


async def main():
    warmup, reps, smoke = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    module = gen.ShapesModule
    invoker = DirectInvoker()
    invoker.serve(module, Handlers())
    client = gen.ShapesClient(invoker)
    rows = []
    clock = time.perf_counter_ns
    for shape, (fn_name, method) in ECHO.items():
        n = 50 if smoke else BATCH[shape]
        fn = module.functions[fn_name]
        fn_off = dataclasses.replace(fn, params=unchecked(fn.params), result=unchecked(fn.result))
        stub = getattr(client, method)
        contenders = [
            ("interop stub → DirectInvoker", "stub", lambda v, stub=stub: stub(v)),
            ("DirectInvoker.call, value checks on", "checked", lambda v, fn=fn: invoker.call(module, fn, (v,))),
            ("DirectInvoker.call, value checks off", "unchecked", lambda v, fn=fn_off: invoker.call(module, fn, (v,))),
            ("plain async function", "plain", plain),
        ]
        value = typed_value(gen, shape)
        times = {c[1]: [] for c in contenders}
        for rep in range(warmup + reps):
            k = rep % len(contenders)
            for _name, key, call in contenders[k:] + contenders[:k]:
                t0 = clock()
                for _ in range(n):
                    await call(value)
                if rep >= warmup:
                    times[key].append((clock() - t0) / n)
        for name, key, _call in contenders:
            rows.append({"shape": shape, "key": key, "name": name, "n": n, "ns": statistics.median(times[key])})
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    asyncio.run(main())
