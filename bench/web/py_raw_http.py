"""The HTTP floor for Python: an asyncio server answering each POST with its body and a keep-alive
client posting the same bytes as our call's body, both with h11 (the HTTP/1.1 parser our runtime
uses), so the difference to ours is what interop adds.
Usage: py_raw_http.py server | client (BENCH_ADDRESS=http://127.0.0.1:port)"""
import asyncio
import os
import sys

import h11

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from harness.py_loop import reply, run_client, wait_stdin_closed  # noqa: E402
from rpc.request_bytes import request_frame  # noqa: E402


async def next_event(conn, reader):
    while True:
        event = conn.next_event()
        if event is not h11.NEED_DATA:
            return event
        conn.receive_data(await reader.read(1 << 20))


async def echo(reader, writer):
    conn = h11.Connection(h11.SERVER)
    while True:
        event = await next_event(conn, reader)
        if not isinstance(event, h11.Request):
            break
        body = b""
        while isinstance(event := await next_event(conn, reader), h11.Data):
            body += event.data
        writer.write(conn.send(h11.Response(status_code=200, headers=[("Content-Type", "application/msgpack"), ("Content-Length", str(len(body)))]))
                     + conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage()))
        conn.start_next_cycle()
    writer.close()


async def server():
    srv = await asyncio.start_server(echo, "127.0.0.1", 0, limit=1 << 22)
    reply({"ready": True, "address": f"http://127.0.0.1:{srv.sockets[0].getsockname()[1]}"})
    await wait_stdin_closed()
    srv.close()


def payload_of(frame):
    return frame[18 + int.from_bytes(frame[16:18], "little"):]


async def client():
    host, port = os.environ["BENCH_ADDRESS"].split("://")[1].rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port), limit=1 << 22)
    conn = h11.Connection(h11.CLIENT)
    bodies = {}

    async def call(shape, value):
        if shape not in bodies:
            bodies[shape] = payload_of(request_frame(shape, value))
        body = bodies[shape]
        writer.write(conn.send(h11.Request(method="POST", target="/bench.shapes/echo", headers=[
            ("Host", f"{host}:{port}"), ("Content-Type", "application/msgpack"), ("Content-Length", str(len(body)))]))
            + conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage()))
        while not isinstance(await next_event(conn, reader), h11.EndOfMessage):
            pass
        conn.start_next_cycle()

    await run_client(call)
    writer.close()


if __name__ == "__main__":
    asyncio.run(server() if sys.argv[1] == "server" else client())
