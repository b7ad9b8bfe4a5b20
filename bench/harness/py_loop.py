"""The child side of the JSON-lines protocol of harness/child.ts, for Python children.

client:     {"cmd":"batch","shape":S,"n":N} -> N sequential calls -> {"lat":[ns, ...]}
publisher:  {"cmd":"publish","shape":S,"n":N} -> N events -> {"sent":N}
subscriber: {"cmd":"expect","n":N} -> {"armed":true}, later {"received":k,"ns":elapsed}
"""
import asyncio
import json
import os
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from shapes.data import make_shape  # noqa: E402

_values = {}


def shape_value(shape):
    if shape not in _values:
        _values[shape] = make_shape(shape)
    return _values[shape]


def reply(msg):
    sys.stdout.write(json.dumps(msg) + "\n")
    sys.stdout.flush()


def unix_path(name):
    return os.path.join(tempfile.mkdtemp(prefix="interop-bench-"), f"{name}.sock")


async def serve_commands(handle):
    """Serves commands from stdin until it closes; an exception is reported as {"error": ...}."""
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        try:
            answer = await handle(json.loads(line))
            if answer is not None:
                reply(answer)
        except Exception:  # reported to the driver, which fails the contender
            reply({"error": traceback.format_exc()})


async def run_client(call):
    """A request/response client: `call(shape, value)` makes one round trip."""
    reply({"ready": True})

    async def handle(cmd):
        shape, n = cmd["shape"], cmd["n"]
        value = shape_value(shape)
        lat = [0] * n
        clock = time.perf_counter_ns
        for i in range(n):
            t0 = clock()
            await call(shape, value)
            lat[i] = clock() - t0
        return {"lat": lat}

    await serve_commands(handle)


async def wait_stdin_closed():
    """For servers: serve until the driver closes stdin."""
    async def ignore(_cmd):
        return None
    await serve_commands(ignore)
