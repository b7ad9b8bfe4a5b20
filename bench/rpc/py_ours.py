"""Ours for Python: a server hosting bench.shapes (generated ShapesHandlers) and a client calling it
through the generated ShapesClient, over runtime-python's Connection on asyncio streams, msgpack.
Usage: py_ours.py server (BENCH_NET=unix|tcp|shm|ws|http) | client (BENCH_ADDRESS=unix:path | tcp:port | shm:path | ws://… | http://…)"""
import asyncio
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "bench"), os.path.join(ROOT, "bench", "out", "gen", "python"),
                os.path.join(ROOT, "runtime-python", "src")]

import bench_shapes as gen  # noqa: E402
from interop_runtime.connection import Connection, Served  # noqa: E402
from interop_runtime.limits import Limits  # noqa: E402
from interop_runtime.transport.base import StreamTransport  # noqa: E402
from interop_runtime.transport.shm import dial_shm, is_shm_address, listen_shm  # noqa: E402
from interop_runtime.transport.web import dial_web, is_web_address, listen_web, parse_web_address  # noqa: E402

from harness.py_loop import reply, run_client, wait_stdin_closed  # noqa: E402
from shapes.typed import typed_value  # noqa: E402
from rpc.py_raw import listen, open_connection  # noqa: E402


class Echo(gen.ShapesHandlers):
    async def echo_small(self, v, ctx):
        return v

    async def echo_nested(self, v, ctx):
        return v

    async def echo_blob(self, v, ctx):
        return v


async def server():
    served = {"bench.shapes": Served(gen.ShapesModule, Echo())}
    conns = set()

    async def on_connect(reader, writer):
        conn = await Connection.open(StreamTransport(reader, writer, "bench"), initiator=False, node="bench-server",
                                     served=served, codecs=["msgpack"])
        conns.add(conn)
        await conn.wait_closed()
        conns.discard(conn)

    net = os.environ.get("BENCH_NET", "unix")
    if net == "shm":  # the set-up socket in a private temporary folder, as py_raw's unix socket
        async def on_shm(transport):
            conn = await Connection.open(transport, initiator=False, node="bench-server", served=served, codecs=["msgpack"])
            await conn.wait_closed()

        folder = tempfile.mkdtemp(prefix="bench-shm-")
        address = f"shm:{folder}/s.sock"
        shm_listener, setup_socket = listen_shm(address, on_shm, lambda counter: None, 10.0)
        reply({"ready": True, "address": address})
        await wait_stdin_closed()
        shm_listener.close()
        os.unlink(setup_socket.path)
        os.rmdir(folder)
        return
    if net in ("ws", "http"):
        # The web listener hands over a transport per connection (as a node's listener does).
        async def on_transport(transport):
            conn = await Connection.open(transport, initiator=False, node="bench-server", served=served, codecs=["msgpack"])
            await conn.wait_closed()

        web, address = await listen_web(parse_web_address(f"{net}://127.0.0.1:0"), on_transport, Limits())
        reply({"ready": True, "address": address})
        await wait_stdin_closed()
        web.close()
        return
    srv, address = await listen(on_connect, "ours")
    reply({"ready": True, "address": address})
    await wait_stdin_closed()
    srv.close()


async def client():
    address = os.environ["BENCH_ADDRESS"]
    if is_web_address(address):
        transport = await dial_web(parse_web_address(address), address, Limits())
    elif is_shm_address(address):
        transport = await dial_shm(address)
    else:
        reader, writer = await open_connection(address)
        transport = StreamTransport(reader, writer, "bench")
    conn = await Connection.open(transport, initiator=True, node="bench-client", wants=[gen.ShapesModule], codecs=["msgpack"])
    stub = gen.ShapesClient(conn)
    calls = {"small": stub.echo_small, "nested": stub.echo_nested, "blob": stub.echo_blob}
    typed = {s: typed_value(gen, s) for s in calls}

    async def call(shape, _value):
        return await calls[shape](typed[shape])

    await run_client(call)
    await conn.close()


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
