"""How a node reaches a module it does not host (docs/config.md "Reconnection"; the same behaviour
as runtime-ts/src/node/links.ts). A Link owns one connection to a peer: dialed on first use,
dialed again by the next call after it drops (a call pending when it drops fails with
UNAVAILABLE and is never retried: it may have run). A subscription made over a link is renewed
on the next connection after a drop, retrying from 100 ms and backing off to 5 s."""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Protocol

from .conn_caller import LocalSubscription
from .connection import Connection
from .errors import ErrorCode, InteropError
from .events import EventQueue
from .module import CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor

log = logging.getLogger("interop.links")

#: Opens a new connection to the peer (dial or spawn, then the handshake).
Opener = Callable[[], Awaitable[Connection]]

#: Renewal of a dropped subscription: first try after RETRY_FIRST_S, doubling up to RETRY_MAX_S.
RETRY_FIRST_S = 0.1
RETRY_MAX_S = 5.0


def is_open(conn: Connection) -> bool:
    """Open and usable for new calls: not closed, and neither side said GOODBYE."""
    return not conn.closed and not conn.closing


class Route(Protocol):
    """What the node calls a module through: one Link, or a MultiLink of several endpoints
    (endpoints.py)."""

    description: str
    closed: bool

    @property
    def current(self) -> Connection | None: ...

    async def connection(self) -> Connection: ...

    def connecting(self) -> asyncio.Future[Connection]: ...

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any: ...

    def _keep_renewing(self, task: asyncio.Task[None]) -> None: ...

    async def close(self, grace_ms: int) -> None: ...


class Link:
    def __init__(self, description: str, open: Opener) -> None:
        self.description = description
        self._open = open
        self._conn: Connection | None = None
        self._opening: asyncio.Task[Connection] | None = None
        self._renewals: set[asyncio.Task[None]] = set()
        self.closed = False

    @property
    def current(self) -> Connection | None:
        """The connection last opened (it may have closed since)."""
        return self._conn

    async def connection(self) -> Connection:
        """The open connection, dialing (again) when there is none. Concurrent callers share one
        dial. A failure to connect is UNAVAILABLE; a handshake refusal (SCHEMA_MISMATCH,
        UNAUTHENTICATED, NOT_FOUND, …) keeps its code."""
        if not self.closed and self._conn is not None and is_open(self._conn):
            return self._conn
        return await asyncio.shield(self.connecting())

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        return await (await self.connection()).call(module, fn, args, options)

    def connecting(self) -> asyncio.Future[Connection]:
        """connection() as a future, started now: callbacks added to it run in the order they were
        added, before those of anyone who awaits the link later (a one-way sent while the link
        dials stays ahead of the calls made after it)."""
        loop = asyncio.get_running_loop()
        if self.closed or (self._conn is not None and is_open(self._conn)):
            done: asyncio.Future[Connection] = loop.create_future()
            if self.closed:
                done.set_exception(InteropError(ErrorCode.UNAVAILABLE, f"{self.description}: node is closing"))
            else:
                assert self._conn is not None
                done.set_result(self._conn)
            return done
        if self._opening is None:
            self._opening = loop.create_task(self._dial(), name=f"dial {self.description}")
        return self._opening

    async def _dial(self) -> Connection:
        try:
            conn = await self._open()
        except InteropError as e:
            if e.code not in (ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED):
                raise
            raise InteropError(ErrorCode.UNAVAILABLE, f"{self.description}: cannot connect: {e.message}") from e
        except (OSError, ValueError) as e:
            raise InteropError(ErrorCode.UNAVAILABLE, f"{self.description}: cannot connect: {e}") from e
        finally:
            self._opening = None
        self._conn = conn
        return conn

    def _keep_renewing(self, task: asyncio.Task[None]) -> None:
        self._renewals.add(task)
        task.add_done_callback(self._renewals.discard)

    async def close(self, grace_ms: int) -> None:
        """No more dialing nor renewing; closes the current connection (GOODBYE, bounded by
        `grace_ms`)."""
        self.closed = True
        for task in list(self._renewals):
            task.cancel()
        conn = self._conn
        if self._opening is not None:
            try:
                conn = await asyncio.shield(self._opening)
            except Exception:  # a dial that fails now leaves nothing to close
                conn = None
        if conn is not None:
            await conn.close("node closing", grace_ms)


class RenewedSubscription:
    """A subscription over a link that outlives the link's connections: when the connection it
    was made on closes, it subscribes again on the next one (the same endpoint redialed, or another
    by the link's policy), retrying from 100 ms, backing off to 5 s, until unsubscribed or the node
    closes. Events published meanwhile are not seen, and those still queued for the handler on the
    lost connection are discarded: `dropped` counts the latter over all connections,
    `resubscriptions` the switches."""

    def __init__(self, link: Route, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler,
                 conn: Connection, inner: LocalSubscription) -> None:
        self._link = link
        self._module = module
        self._event = event
        self._handler = handler
        self._inner = inner
        self._dropped_before = 0
        self.resubscriptions = 0
        self._active = True
        self._task = asyncio.get_running_loop().create_task(self._keep(conn), name=f"renew {module.name}.{event.name}")
        link._keep_renewing(self._task)

    @classmethod
    async def open(cls, link: Route, module: ModuleDescriptor, event: EventDescriptor,
                   handler: EventHandler) -> RenewedSubscription:
        """Subscribes now (a failure is the caller's), then keeps the subscription alive."""
        conn = await link.connection()
        inner = await conn.subscribe(module, event, handler)
        return cls(link, module, event, handler, conn, inner)

    @property
    def dropped(self) -> int:
        return self._dropped_before + self._inner.dropped

    @property
    def queue(self) -> EventQueue:
        """The event queue of the subscription on the current connection."""
        return self._inner.queue

    async def unsubscribe(self) -> None:
        self._active = False
        self._task.cancel()
        await self._inner.unsubscribe()

    async def _keep(self, conn: Connection) -> None:
        while True:
            await conn.wait_closed()
            retry = RETRY_FIRST_S
            while True:
                await asyncio.sleep(retry)
                if not self._active or self._link.closed:
                    return
                try:
                    conn = await self._link.connection()
                    inner = await conn.subscribe(self._module, self._event, self._handler)
                except Exception as e:  # the peer is still away, or refused: try again later
                    log.debug("renewing %s.%s over %s failed: %s", self._module.name, self._event.name,
                              self._link.description, e)
                    retry = min(retry * 2, RETRY_MAX_S)
                    continue
                self._dropped_before += self._inner.dropped
                self._inner = inner
                self.resubscriptions += 1
                break
