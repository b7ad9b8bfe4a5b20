"""Peer: pyzmq REQ/REP (asyncio) with msgpack payloads, the server decoding each request and
encoding it back. Usage: py_zmq.py server (BENCH_NET) | client (BENCH_ADDRESS)"""
import asyncio
import os
import sys

import msgpack
import zmq
import zmq.asyncio

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness.py_loop import reply, run_client, unix_path, wait_stdin_closed  # noqa: E402


async def server():
    sock = zmq.asyncio.Context.instance().socket(zmq.REP)
    if os.environ.get("BENCH_NET", "unix") == "unix":
        sock.bind(f"ipc://{unix_path('zmq')}")
    else:
        sock.bind("tcp://127.0.0.1:*")
    reply({"ready": True, "address": sock.getsockopt_string(zmq.LAST_ENDPOINT)})

    async def serve():
        while True:
            msg = await sock.recv()
            await sock.send(msgpack.packb(msgpack.unpackb(msg), use_bin_type=True))

    task = asyncio.ensure_future(serve())
    await wait_stdin_closed()
    task.cancel()


async def client():
    sock = zmq.asyncio.Context.instance().socket(zmq.REQ)
    sock.connect(os.environ["BENCH_ADDRESS"])

    async def call(_shape, value):
        await sock.send(msgpack.packb(value, use_bin_type=True))
        return msgpack.unpackb(await sock.recv())

    await run_client(call)


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
