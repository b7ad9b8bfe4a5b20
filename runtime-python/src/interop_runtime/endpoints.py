"""A link with several endpoints (docs/config.md "Several endpoints: failover and round_robin"; the
same behaviour as runtime-ts/src/node/endpoints.ts): one Link per endpoint, each dialed when first
needed; a policy picks the connection for each exchange. An endpoint whose dial fails or whose
connection drops is "down": calls skip it while a background probe redials it (from 100 ms,
doubling to 5 s); once the probe connects it is up again and takes calls by the policy (failover
prefers it again if it comes first).

Calls are never re-sent silently: a call whose connection dropped after it was sent fails with
UNAVAILABLE (it may have run), unless the config marks its function idempotent; then it is sent
again on the next endpoint, within the call's original deadline. A call that found no endpoint up
is sent nowhere and fails with UNAVAILABLE at once, naming every endpoint and why it is down."""

from __future__ import annotations

import asyncio
import functools
import time
from dataclasses import replace
from typing import Any, Awaitable, Callable, Literal, Sequence

from .connection import Connection
from .errors import ErrorCode, InteropError
from .links import Link, is_open
from .module import CallOptions, FunctionDescriptor, ModuleDescriptor

LinkPolicy = Literal["failover", "round_robin"]

PROBE_FIRST_S = 0.1
PROBE_MAX_S = 5.0


class _Endpoint:
    def __init__(self, link: Link) -> None:
        self.link = link
        #: Why the endpoint is down (a probe redials it meanwhile); None while it is not known to be.
        self.down: str | None = None
        self.watched: Connection | None = None

    @property
    def open(self) -> Connection | None:
        conn = self.link.current
        return conn if conn is not None and is_open(conn) else None


class MultiLink:
    def __init__(self, description: str, addresses: Sequence[str], policy: LinkPolicy,
                 open: Callable[[str], Awaitable[Connection]], idempotent: set[str], default_deadline_ms: int) -> None:
        self.description = description
        self.policy = policy
        self._idempotent = idempotent
        self._default_deadline_ms = default_deadline_ms
        self._endpoints = [_Endpoint(Link(a, functools.partial(open, a))) for a in addresses]
        self._next = 0
        self.closed = False
        self._renewals: set[asyncio.Task[None]] = set()

    def _order(self) -> list[_Endpoint]:
        """As listed (failover), or from the one after the last picked (round_robin, so that a
        down endpoint's turn goes to the next one up, not to the same neighbour every time)."""
        if self.policy == "failover":
            return self._endpoints
        start = self._next % len(self._endpoints)
        return self._endpoints[start:] + self._endpoints[:start]

    def _picked(self, e: _Endpoint, conn: Connection) -> Connection:
        self._next = self._endpoints.index(e) + 1
        return conn

    @property
    def current(self) -> Connection | None:
        """An open connection the policy picks now without dialing, if any (one-way calls use it)."""
        for e in self._order():
            conn = e.open
            if conn is not None:
                return self._picked(e, conn)
        return None

    async def connection(self) -> Connection:
        """The first endpoint by the policy that is up, dialing one not known to be down."""
        if self.closed:
            raise InteropError(ErrorCode.UNAVAILABLE, f"{self.description}: node is closing")
        for e in self._order():
            conn = e.open
            if conn is not None:
                return self._picked(e, conn)
            if e.down is not None:
                continue
            try:
                return self._picked(e, self._watch(e, await e.link.connection()))
            except InteropError as error:
                # A handshake refusal (UNAUTHENTICATED, SCHEMA_MISMATCH, …) is the configuration's fault: say it.
                if error.code != ErrorCode.UNAVAILABLE:
                    raise
                self._mark_down(e, error.message)
        why = "; ".join(f"{e.link.description}: {e.down or 'not connected'}" for e in self._endpoints)
        raise InteropError(ErrorCode.UNAVAILABLE, f"{self.description}: every endpoint is down ({why})")

    def connecting(self) -> asyncio.Future[Connection]:
        """connection() as a future, started now."""
        return asyncio.ensure_future(self.connection())

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        """A call by the policy; sent again on another endpoint only when idempotent (see above)."""
        timeout_ms = options.timeout_ms if options is not None and options.timeout_ms is not None else self._default_deadline_ms
        deadline = time.monotonic() + timeout_ms / 1000
        attempt = 1
        while True:
            conn = await self.connection()
            left_ms = max(1, int((deadline - time.monotonic()) * 1000))
            try:
                return await conn.call(module, fn, args, replace(options or CallOptions(), timeout_ms=left_ms))
            except InteropError as error:
                lost = error.code == ErrorCode.UNAVAILABLE and not is_open(conn)
                if (not lost or f"{module.name}.{fn.name}" not in self._idempotent
                        or attempt >= len(self._endpoints) or time.monotonic() >= deadline):
                    raise
            attempt += 1

    def _watch(self, e: _Endpoint, conn: Connection) -> Connection:
        if e.watched is not conn:
            e.watched = conn

            async def lost() -> None:
                await conn.wait_closed()
                if not self.closed and e.watched is conn:
                    self._mark_down(e, "connection lost")

            self._keep(asyncio.get_running_loop().create_task(lost()))
        return conn

    def _mark_down(self, e: _Endpoint, reason: str) -> None:
        if e.down is not None or self.closed:
            return
        e.down = reason

        async def probe() -> None:
            retry = PROBE_FIRST_S
            while not self.closed:
                await asyncio.sleep(retry)
                try:
                    conn = await e.link.connection()
                except InteropError as error:
                    e.down = error.message
                    retry = min(retry * 2, PROBE_MAX_S)
                    continue
                e.down = None
                self._watch(e, conn)
                return

        self._keep(asyncio.get_running_loop().create_task(probe()))

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._renewals.add(task)
        task.add_done_callback(self._renewals.discard)

    def _keep_renewing(self, task: asyncio.Task[None]) -> None:
        """A subscription's renewal, cancelled when the link closes (as Link's)."""
        self._keep(task)

    async def close(self, grace_ms: int) -> None:
        self.closed = True
        for task in list(self._renewals):
            task.cancel()
        await asyncio.gather(*(e.link.close(grace_ms) for e in self._endpoints), return_exceptions=True)


__all__ = ["LinkPolicy", "MultiLink"]
