"""The floor for Python: a raw asyncio socket ping-pong of the same bytes as a request. The server
echoes each whole frame; the client waits for the whole echo. No decoding.
Usage: py_raw.py server (BENCH_NET=unix|tcp) | client (BENCH_ADDRESS=unix:path | tcp:port)"""
import asyncio
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness.py_loop import reply, run_client, unix_path, wait_stdin_closed  # noqa: E402
from rpc.request_bytes import request_frame  # noqa: E402


async def read_frame(reader):
    head = await reader.readexactly(4)
    return head + await reader.readexactly(int.from_bytes(head, "little"))


async def echo(reader, writer):
    sock = writer.get_extra_info("socket")
    if sock is not None and sock.family != socket.AF_UNIX:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            writer.write(await read_frame(reader))
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


async def listen(handler, name):
    if os.environ.get("BENCH_NET", "unix") == "unix":
        path = unix_path(name)
        server = await asyncio.start_unix_server(handler, path, limit=1 << 22)
        return server, f"unix:{path}"
    server = await asyncio.start_server(handler, "127.0.0.1", 0, limit=1 << 22)
    return server, f"tcp:{server.sockets[0].getsockname()[1]}"


async def open_connection(address):
    if address.startswith("unix:"):
        return await asyncio.open_unix_connection(address[5:], limit=1 << 22)
    reader, writer = await asyncio.open_connection("127.0.0.1", int(address[4:]), limit=1 << 22)
    writer.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return reader, writer


async def server():
    srv, address = await listen(echo, "raw")
    reply({"ready": True, "address": address})
    await wait_stdin_closed()
    srv.close()


async def client():
    reader, writer = await open_connection(os.environ["BENCH_ADDRESS"])
    frames = {}

    async def call(shape, value):
        frame = frames.get(shape)
        if frame is None:
            frame = frames[shape] = request_frame(shape, value)
        writer.write(frame)
        await read_frame(reader)

    await run_client(call)
    writer.close()


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
