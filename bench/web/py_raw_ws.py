"""The WebSocket floor for Python: a raw `websockets` echo of the same bytes as our request frame.
Usage: py_raw_ws.py server | client (BENCH_ADDRESS=ws://127.0.0.1:port)"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from websockets.asyncio.client import connect  # noqa: E402
from websockets.asyncio.server import serve  # noqa: E402

from harness.py_loop import reply, run_client, wait_stdin_closed  # noqa: E402
from rpc.request_bytes import request_frame  # noqa: E402

MAX = 16 * 1024 * 1024 + 4


async def echo(ws):
    async for message in ws:
        await ws.send(message)


async def server():
    async with serve(echo, "127.0.0.1", 0, max_size=MAX, compression=None) as srv:
        port = next(iter(srv.sockets)).getsockname()[1]
        reply({"ready": True, "address": f"ws://127.0.0.1:{port}"})
        await wait_stdin_closed()


async def client():
    async with connect(os.environ["BENCH_ADDRESS"], max_size=MAX, compression=None) as ws:
        frames = {}

        async def call(shape, value):
            if shape not in frames:
                frames[shape] = request_frame(shape, value)
            await ws.send(frames[shape])
            await ws.recv()

        await run_client(call)


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
