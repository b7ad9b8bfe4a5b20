"""unix and tcp transports (docs/wire.md §8): listeners that hand each accepted stream to a
callback, and dialers. Unix socket files are 0600 in a directory the node owns; tcp binds to
the host the address names (config decides; 127.0.0.1 is the documented default)."""

from __future__ import annotations

import asyncio
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

from .base import StreamTransport

OnTransport = Callable[[StreamTransport], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Address:
    scheme: str  # "unix" or "tcp"
    path: str = ""
    host: str = ""
    port: int = 0

    def __str__(self) -> str:
        return f"unix:{self.path}" if self.scheme == "unix" else f"tcp://{self.host}:{self.port}"


def parse_address(text: str) -> Address:
    if text.startswith("unix:"):
        path = text[len("unix:"):]
        if not path:
            raise ValueError(f"address {text!r}: empty socket path")
        return Address("unix", path=path)
    if text.startswith("tcp://"):
        host, sep, port = text[len("tcp://"):].rpartition(":")
        if not sep or not port.isdigit() or int(port) > 65535:
            raise ValueError(f"address {text!r}: expected tcp://host:port")
        return Address("tcp", host=host or "127.0.0.1", port=int(port))
    raise ValueError(f"address {text!r}: unknown transport (unix:… or tcp://host:port)")


async def listen(address: Address, on_transport: OnTransport) -> tuple[asyncio.Server, Address]:
    """Starts a listener; returns it and the bound address (tcp port 0 is resolved)."""

    async def accepted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await on_transport(StreamTransport(reader, writer, str(address)))

    if address.scheme == "unix":
        path = Path(address.path)
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
            path.unlink()  # a stale socket from a previous run
        old_umask = os.umask(0o177)  # the socket file is created 0600
        try:
            server = await asyncio.start_unix_server(accepted, path=str(path), limit=1 << 20)
        finally:
            os.umask(old_umask)
        return server, address
    server = await asyncio.start_server(accepted, host=address.host, port=address.port, limit=1 << 20)
    port = server.sockets[0].getsockname()[1]
    return server, Address("tcp", host=address.host, port=port)


def remove_socket_file(address: Address) -> None:
    """Removes the socket file of a unix listener that has been closed (asyncio on Python 3.11
    leaves it behind), so a stopped node leaves nothing in the file system."""
    if address.scheme != "unix":
        return
    path = Path(address.path)
    try:
        if stat.S_ISSOCK(path.lstat().st_mode):
            path.unlink()
    except FileNotFoundError:
        pass


async def dial(address: Address) -> StreamTransport:
    if address.scheme == "unix":
        reader, writer = await asyncio.open_unix_connection(address.path, limit=1 << 20)
    else:
        reader, writer = await asyncio.open_connection(address.host, address.port, limit=1 << 20)
    return StreamTransport(reader, writer, str(address))
