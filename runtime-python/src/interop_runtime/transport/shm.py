"""shm:/path/to/setup.sock: frames through two rings in a shared memory segment (docs/wire.md §9 is
the contract, ADR 0033 why; ADR 0034 how this runtime waits). The set-up is a unix socket, as
unix: (mode 0600); the set-up message, the segment and its atomics are runtime-c's ring core
(runtime-c/src/shm_ring.c) in the C extension `_interop_shm` (runtime-python/native/), built by
scripts/ensure-deps.sh. Without it, shm: fails with UNAVAILABLE saying so, and every other
transport works.

A reader that finds its ring empty first lets the event loop run whatever is ready (the handler
that will answer may be among it), then, once nothing else is ready, polls the ring for at most
SPIN_US without the GIL, and only then sleeps on its eventfd (loop.add_reader): no system call at
all while both sides keep each other busy, and no CPU once the link is idle."""

from __future__ import annotations

import asyncio
import importlib
import logging
import socket
import sys
from collections import deque
from typing import Any, Callable

from ..errors import ErrorCode, InteropError
from .sockets import Address, Listener, OnTransport, bind_listening

native: Any  # the C extension (it has no type stubs), or None
try:
    native = importlib.import_module("_interop_shm")
except ImportError:  # the pure-Python wheel: shm: says what is missing
    native = None

log = logging.getLogger("interop.transport")

#: Each ring's size, as runtime-c creates them (docs/wire.md §9.1).
RING_BYTES = 256 * 1024
#: Bytes waiting in our own queue (the ring is full) before the transport reports congestion, as
#: asyncio's socket transports do (docs/wire.md §5); drain() returns below a quarter of it.
HIGH_WATER = 64 * 1024
#: How long a reader with nothing else to do polls its empty ring before it sleeps (§9.4), unless
#: the node config's shm.spin_us says otherwise (0: sleep at once).
SPIN_US = 50
#: After a poll that found nothing, the next SKIP_AFTER_MISS empty rings sleep at once: on a
#: machine without a spare core (or a peer slower than SPIN_US) polling only takes the CPU the
#: peer needs (ADR 0033), so it is tried again only now and then.
SKIP_AFTER_MISS = 64
#: Times a reader lets other ready callbacks run first before it polls anyway.
_YIELDS = 16

Count = Callable[[str], None]


def is_shm_address(address: str) -> bool:
    return address.startswith("shm:")


def setup_path(address: str) -> str:
    path = address[len("shm:"):]
    if not path:
        raise ValueError(f"address {address!r}: empty set-up socket path")
    return path


def _require() -> Any:
    if native is None:
        raise InteropError(ErrorCode.UNAVAILABLE, "shm: needs the C extension _interop_shm, which is not built for this "
                           f"Python: in a clone of the interop repository run `bash runtime-python/build-shm.sh "
                           f"{sys.prefix}` (or scripts/ensure-deps.sh for its own virtualenv), or use unix: instead")
    return native


class ShmTransport:
    """A ByteTransport over one mapped segment. `sock` is the set-up socket: it carries nothing
    more, it only tells when the peer is gone (end of file)."""

    def __init__(self, sock: socket.socket, ring: Any, description: str, spin_us: int | None = None) -> None:
        self.description = description
        self.refused_data = False
        #: Why the connection closed when the ring itself was broken (the read loop says so).
        self.closed_reason: str | None = None
        self._sock = sock
        self._ring = ring  # owns the mapping and its three descriptors
        self._wake_me: int = ring.wake_fd
        self._spin_ns = (SPIN_US if spin_us is None else spin_us) * 1000
        self._loop = asyncio.get_running_loop()
        self._pending: deque[bytes] = deque()  # what the full ring could not take yet
        self._pending_bytes = 0
        self._reader: asyncio.Future[None] | None = None
        self._drainers: list[asyncio.Future[None]] = []
        self._poll_handle: asyncio.Handle | None = None
        self._skip_spins = 0
        self._peer_gone = False
        self._closed = False
        self._loop.add_reader(self._wake_me, self._on_wake)
        self._loop.add_reader(sock.fileno(), self._on_socket)

    # ---- reading ----

    async def read(self) -> bytes:
        while not self._closed:
            try:
                chunk: bytes = self._ring.take()
            except native.RingBroken as e:
                self._broken(str(e))
                return b""
            if chunk:
                return chunk
            if self._peer_gone:  # what it wrote before going has been read
                return b""
            self._reader = self._loop.create_future()
            self._poll_handle = self._loop.call_soon(self._poll, 0)
            try:
                await self._reader
            finally:
                self._reader = None
                if self._poll_handle is not None:
                    self._poll_handle.cancel()
                    self._poll_handle = None
        return b""

    def _poll(self, yields: int) -> None:
        """The ring was empty: once nothing else is ready, poll it a while, then sleep (§9.4)."""
        self._poll_handle = None
        if self._reader is None or self._reader.done() or self._closed:
            return
        ready = getattr(self._loop, "_ready", None)  # asyncio's ready queue (private: polling is only a speed-up)
        if ready and yields < _YIELDS:
            self._poll_handle = self._loop.call_soon(self._poll, yields + 1)
            return
        if ready is not None and self._spin_ns and self._skip_spins == 0:
            if self._ring.spin(self._spin_ns):
                self._reader.set_result(None)
                return
            self._skip_spins = SKIP_AFTER_MISS
        elif self._skip_spins:
            self._skip_spins -= 1
        if not self._ring.sleep():  # data came between the last look and the flag
            self._reader.set_result(None)
        # else asleep: _on_wake resolves the reader when the peer writes our eventfd

    def _on_wake(self) -> None:
        if self._closed:
            return
        self._ring.woken()  # resets the eventfd, clears our flags
        if self._pending:
            self._flush()
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)

    def _on_socket(self) -> None:
        """The set-up socket is readable: the peer is gone (or wrote on it, which it must not)."""
        try:
            data = self._sock.recv(1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        self._loop.remove_reader(self._sock.fileno())
        if data:
            self._broken("shm: the peer wrote on the set-up socket after set-up")
            return
        self._peer_gone = True
        self._pending.clear()
        self._pending_bytes = 0
        self._wake_all()

    def _broken(self, why: str) -> None:
        """The peer broke the ring (an impossible index): this connection closes, counted in
        rejected_frames; the peer is not trusted to read anything more."""
        if self.closed_reason is None:
            self.closed_reason = why
            self.refused_data = True
            log.info("%s: %s", self.description, why)
        self.close()

    # ---- writing ----

    def write(self, data: bytes) -> None:
        if self._closed or self._peer_gone or not data:
            return
        if self._pending:
            self._pending.append(bytes(data))
            self._pending_bytes += len(data)
            return
        try:
            n = self._ring.put(data)
        except native.RingBroken as e:
            self._broken(str(e))
            return
        if n < len(data):  # the ring is full: the reader writes our eventfd when it makes room
            rest = bytes(memoryview(data)[n:])
            self._pending.append(rest)
            self._pending_bytes += len(rest)

    def _flush(self) -> None:
        while self._pending:
            head = self._pending[0]
            try:
                n = self._ring.put(head)
            except native.RingBroken as e:
                self._broken(str(e))
                return
            self._pending_bytes -= n
            if n < len(head):
                self._pending[0] = head[n:]
                break
            self._pending.popleft()
        if self._pending_bytes <= HIGH_WATER // 4:
            self._wake_drainers()

    def congested(self) -> bool:
        return not self._closed and self._pending_bytes > HIGH_WATER

    async def drain(self) -> None:
        while self.congested() and not self._peer_gone:
            waiter = self._loop.create_future()
            self._drainers.append(waiter)
            await waiter

    def buffered(self) -> int:
        return self._pending_bytes

    def _wake_drainers(self) -> None:
        drainers, self._drainers = self._drainers, []
        for d in drainers:
            if not d.done():
                d.set_result(None)

    def _wake_all(self) -> None:
        if self._reader is not None and not self._reader.done():
            self._reader.set_result(None)
        self._wake_drainers()

    # ---- closing ----

    async def end(self, linger_s: float) -> None:
        """Closes once what waits in our queue is in the ring (at most `linger_s`): the peer reads
        the ring after our socket closes (docs/wire.md §9.5)."""
        try:
            async with asyncio.timeout(linger_s):
                while self._pending and not self._closed and not self._peer_gone:
                    waiter = self._loop.create_future()
                    self._drainers.append(waiter)
                    await waiter
        except TimeoutError:
            pass
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._wake_me)
        if self._sock.fileno() >= 0:
            self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        self._ring.close()
        self._pending.clear()
        self._pending_bytes = 0
        self._wake_all()


# ---- set-up (docs/wire.md §9.1) ----

async def dial_shm(address: str, spin_us: int | None = None) -> ShmTransport:
    """Connects to the set-up socket, sends a new segment and its two eventfds, and returns the
    transport (the caller, the initiator, then sends HELLO into the ring). `spin_us` is the node
    config's shm.spin_us (None: SPIN_US)."""
    shm = _require()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        await asyncio.get_running_loop().sock_connect(sock, setup_path(address))
        ring = shm.dial(sock.fileno(), RING_BYTES)
    except BaseException:
        sock.close()
        raise
    return ShmTransport(sock, ring, address, spin_us)


async def _accept_setup(sock: socket.socket) -> Any:
    """The dialer's segment, once its set-up message has come and passed every check (else
    SetupError says what is wrong with it)."""
    shm = _require()
    loop = asyncio.get_running_loop()
    while (ring := shm.accept(sock.fileno())) is None:
        readable = loop.create_future()
        loop.add_reader(sock.fileno(), lambda: None if readable.done() else readable.set_result(None))
        try:
            await readable
        finally:
            loop.remove_reader(sock.fileno())
    return ring


class ShmListener(Listener):
    """A unix listener whose connections are shm set-ups: each accepted socket must bring its
    segment within the handshake timeout, or it is refused (counted in rejected_handshakes)."""

    def __init__(self, sock: socket.socket, description: str, on_transport: OnTransport, count: Count,
                 setup_timeout_s: float, spin_us: int | None = None) -> None:
        super().__init__(sock, description, on_transport)
        self._count = count
        self._setup_timeout_s = setup_timeout_s
        self._spin_us = spin_us

    async def _serve(self, conn: socket.socket) -> None:
        try:
            async with asyncio.timeout(self._setup_timeout_s):
                ring = await _accept_setup(conn)
        except (TimeoutError, OSError, ValueError) as e:  # SetupError is a ValueError
            self._count("rejected_handshakes")
            log.debug("%s: refused a set-up: %s", self.description, e or "none within the handshake timeout")
            conn.close()
            return
        await self._on_transport(ShmTransport(conn, ring, self.description, self._spin_us))  # type: ignore[arg-type]


def listen_shm(address: str, on_transport: OnTransport, count: Count,
               setup_timeout_s: float, spin_us: int | None = None) -> tuple[ShmListener, Address]:
    """Listens on the set-up socket (a unix socket, 0600); returns the listener and that socket's
    unix address (for removing its file on close). `spin_us`: as for dial_shm."""
    _require()
    unix = Address("unix", path=setup_path(address))
    sock, _ = bind_listening(unix)
    return ShmListener(sock, address, on_transport, count, setup_timeout_s, spin_us), unix


__all__ = ["ShmListener", "ShmTransport", "dial_shm", "is_shm_address", "listen_shm"]
