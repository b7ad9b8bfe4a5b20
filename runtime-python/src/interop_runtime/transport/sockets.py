"""unix and tcp transports (docs/wire.md §8): listeners that hand each accepted stream to a
callback, and dialers. Unix socket files are 0600 in a directory the node owns; tcp binds to
the host the address names (config decides; 127.0.0.1 is the documented default)."""

from __future__ import annotations

import asyncio
import errno
import logging
import math
import os
import socket
import ssl
import stat
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable

from .base import StreamTransport

OnTransport = Callable[[StreamTransport], Awaitable[None]]
log = logging.getLogger("interop.transport")


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


class Listener:
    """Accepts connections on a listening socket and hands each to `on_transport`, in a task of
    its own. asyncio's own server is not used: on CPython 3.11 it retries accept() in a tight loop,
    logging each failure, when the process is out of file descriptors (docs/wire.md §5.1). Here,
    as libuv does for the TS runtime, one spare descriptor is kept: when accept() fails with
    EMFILE or ENFILE it is released, the connections waiting are accepted and closed at once, and
    it is taken again; the node goes on serving its other connections."""

    def __init__(self, sock: socket.socket, description: str, on_transport: OnTransport,
                 ssl_context: ssl.SSLContext | None = None, ssl_handshake_timeout: float | None = None) -> None:
        self._sock = sock
        self._ssl = ssl_context
        self._ssl_timeout = ssl_handshake_timeout
        self.description = description
        self._on_transport = on_transport
        self._loop = asyncio.get_running_loop()
        self._tasks: set[asyncio.Task[None]] = set()
        self._spare: int | None = _open_spare()
        self._last_warning = -math.inf
        self._shed_since_warning = 0
        self._retry: asyncio.TimerHandle | None = None
        self._loop.add_reader(sock.fileno(), self._accept_ready)

    def close(self) -> None:
        """Stops accepting; the connections accepted are left to their owners."""
        if self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        if self._retry is not None:
            self._retry.cancel()
        if self._spare is not None:
            os.close(self._spare)
            self._spare = None

    def _accept_ready(self) -> None:
        # At most a batch per wake-up, so that a burst of connections cannot starve the others.
        for _ in range(_ACCEPT_BATCH):
            try:
                conn, _ = self._sock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as e:
                if e.errno in (errno.EMFILE, errno.ENFILE):
                    self._shed(e)
                else:  # ENOBUFS, ENOMEM...: try again in a while, without spinning
                    self._pause(e)
                return
            conn.setblocking(False)
            task = self._loop.create_task(self._serve(conn))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _serve(self, conn: socket.socket) -> None:
        try:
            reader = asyncio.StreamReader(limit=_READ_LIMIT)
            protocol = asyncio.StreamReaderProtocol(reader)
            transport, _ = await self._loop.connect_accepted_socket(
                lambda: protocol, conn, ssl=self._ssl, ssl_handshake_timeout=self._ssl_timeout if self._ssl else None)
        except (OSError, TimeoutError, ssl.SSLError):
            conn.close()
            return
        writer = asyncio.StreamWriter(transport, protocol, reader, self._loop)
        await self._on_transport(StreamTransport(reader, writer, self.description))

    def _shed(self, error: OSError) -> None:
        """Out of file descriptors: close the connections waiting, with the spare descriptor."""
        if self._spare is None:
            self._pause(error)
            return
        os.close(self._spare)
        self._spare = None
        shed = 0
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                break
            conn.close()
            shed += 1
        self._spare = _open_spare()
        self._warn(error, shed)

    def _pause(self, error: OSError) -> None:
        self._warn(error, 0)
        self._loop.remove_reader(self._sock.fileno())

        def resume() -> None:
            self._retry = None
            if self._sock.fileno() >= 0:
                self._loop.add_reader(self._sock.fileno(), self._accept_ready)

        self._retry = self._loop.call_later(_RETRY_S, resume)

    def _warn(self, error: OSError, shed: int) -> None:
        """At most one warning every _WARN_EVERY_S: a flood of connections must not flood the log."""
        self._shed_since_warning += shed
        now = time.monotonic()
        if now - self._last_warning < _WARN_EVERY_S:
            return
        self._last_warning = now
        log.warning("%s cannot accept connections (%s): %d connection(s) closed at once since the last "
                    "warning; raise the descriptor limit (ulimit -n) or lower max_connections",
                    self.description, error.strerror, self._shed_since_warning)
        self._shed_since_warning = 0


_ACCEPT_BATCH = 100
_READ_LIMIT = 1 << 20
_RETRY_S = 1.0
_WARN_EVERY_S = 10.0
_BACKLOG = 511  # as Node's default


def _open_spare() -> int | None:
    try:
        return os.open("/", os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None


async def listen(address: Address, on_transport: OnTransport, ssl_context: ssl.SSLContext | None = None,
                 ssl_handshake_timeout: float | None = None) -> tuple[Listener, Address]:
    """Starts a listener; returns it and the bound address (tcp port 0 is resolved). With an SSL
    context, each accepted connection is a TLS server connection (wss://, https://)."""
    sock, bound = bind_listening(address)
    return Listener(sock, str(bound), on_transport, ssl_context, ssl_handshake_timeout), bound


def bind_listening(address: Address) -> tuple[socket.socket, Address]:
    """A non-blocking listening socket at `address` (a unix socket file is 0600, a stale one is
    replaced) and the bound address."""
    if address.scheme == "unix":
        path = Path(address.path)
        if not path.parent.exists():
            path.parent.mkdir(mode=0o700, parents=True)
        if path.exists() and stat.S_ISSOCK(path.stat().st_mode):
            path.unlink()  # a stale socket from a previous run
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)  # the socket file is created 0600
        try:
            sock.bind(str(path))
        except OSError:
            sock.close()
            raise
        finally:
            os.umask(old_umask)
        bound = address
    else:
        host = address.host.strip("[]")
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, address.port))
        except OSError:
            sock.close()
            raise
        bound = Address("tcp", host=address.host, port=sock.getsockname()[1])
    sock.listen(_BACKLOG)
    sock.setblocking(False)
    return sock, bound


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
