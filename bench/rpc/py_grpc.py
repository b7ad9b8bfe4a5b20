"""Peer: grpcio (grpc.aio) unary calls with msgpack payloads (packb/unpackb of dicts), the server
decoding each request and encoding it back. Usage: py_grpc.py server (BENCH_NET) | client (BENCH_ADDRESS)"""
import asyncio
import os
import sys

import grpc
import msgpack

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness.py_loop import reply, run_client, unix_path, wait_stdin_closed  # noqa: E402

METHODS = {"small": "EchoSmall", "nested": "EchoNested", "blob": "EchoBlob"}
OPTIONS = [("grpc.max_receive_message_length", 16 << 20), ("grpc.max_send_message_length", 16 << 20)]


def pack(v):
    return msgpack.packb(v, use_bin_type=True)


def unpack(b):
    return msgpack.unpackb(b, raw=False)


async def echo(request, _context):
    return request


async def server():
    handlers = {m: grpc.unary_unary_rpc_method_handler(echo, request_deserializer=unpack, response_serializer=pack)
                for m in METHODS.values()}
    srv = grpc.aio.server(options=OPTIONS)
    srv.add_generic_rpc_handlers((grpc.method_handlers_generic_handler("bench.shapes.Shapes", handlers),))
    if os.environ.get("BENCH_NET", "unix") == "unix":
        address = f"unix:{unix_path('grpc')}"
        srv.add_insecure_port(address)
    else:
        address = f"tcp:{srv.add_insecure_port('127.0.0.1:0')}"
    await srv.start()
    reply({"ready": True, "address": address})
    await wait_stdin_closed()
    await srv.stop(0)


async def client():
    address = os.environ["BENCH_ADDRESS"]
    target = address if address.startswith("unix:") else f"127.0.0.1:{address[4:]}"
    async with grpc.aio.insecure_channel(target, options=OPTIONS) as channel:
        stubs = {s: channel.unary_unary(f"/bench.shapes.Shapes/{m}", request_serializer=pack,
                                        response_deserializer=unpack) for s, m in METHODS.items()}
        await stubs["small"]({"id": 1})

        async def call(shape, value):
            return await stubs[shape](value)

        await run_client(call)


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
