"""A connection's clocks after its handshake (docs/wire.md §5.1), as in the TS runtime:

- every frame must be complete within frame_timeout_ms of its first byte; otherwise the peer gets
  one ERROR (RESOURCE_EXHAUSTED) and the connection closes (counted in frame_timeouts);
- a connection accepted on a listener is checked every idle_timeout_ms, and closed with GOODBYE
  when it received and wrote nothing since the last check and nothing is going on (idle_timeouts).

One timer per connection, armed at the earlier of the two. Reading and writing only set flags
(the clock is read when a chunk leaves a frame incomplete), so the hot paths stay cheap."""

from __future__ import annotations

import asyncio
import logging
import math
from typing import TYPE_CHECKING

from .errors import ErrorCode, InteropError

if TYPE_CHECKING:
    from .connection import Connection

log = logging.getLogger("interop.connection")


class Watchdog:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._loop = asyncio.get_running_loop()
        #: When the incomplete frame now buffered began to arrive (loop time), if there is one.
        self._partial_since: float | None = None
        #: When the next idle check is due; None when this connection is not checked for idleness.
        self._next_idle_check: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._armed_at = math.inf
        self._started = False
        self._goodbye: asyncio.Task[None] | None = None

    def start(self) -> None:
        """The handshake is done: the clocks start (frames already buffered count from now)."""
        conn = self._conn
        self._started = True
        if conn.close_when_idle:
            self._next_idle_check = self._loop.time() + conn.limits.idle_timeout_ms / 1000
            self._arm(self._next_idle_check)
        self.after_read(1)

    def after_read(self, completed: int) -> None:
        """After a chunk was decoded into `completed` items: starts the clock of a frame left
        incomplete."""
        if not self._started:
            return
        if not self._conn._decoder.buffered_bytes:
            self._partial_since = None
        elif self._partial_since is None or completed > 0:
            self._partial_since = self._loop.time()
            self._arm(self._partial_since + self._conn.limits.frame_timeout_ms / 1000)

    def stop(self) -> None:
        self._started = False
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _arm(self, at: float) -> None:
        if at >= self._armed_at:
            return  # an earlier check comes first and re-arms
        if self._timer is not None:
            self._timer.cancel()
        self._armed_at = at
        self._timer = self._loop.call_at(at, self._check)

    def _check(self) -> None:
        self._timer = None
        self._armed_at = math.inf
        conn = self._conn
        if not self._started or conn.closed:
            return
        frame_timeout = conn.limits.frame_timeout_ms / 1000
        idle_timeout = conn.limits.idle_timeout_ms / 1000
        now = self._loop.time()
        if self._partial_since is not None:
            if conn._reading_paused:
                self._partial_since = now  # the frame cannot come in while reading is paused
            elif now - self._partial_since >= frame_timeout:
                self._frame_timed_out()
                return
        if self._next_idle_check is not None and now >= self._next_idle_check:
            if not conn._received and not conn._wrote and not self._busy():
                self._idle()
                return
            conn._received = conn._wrote = False
            self._next_idle_check = now + idle_timeout
        if self._next_idle_check is not None:
            self._arm(self._next_idle_check)
        if self._partial_since is not None:
            self._arm(self._partial_since + frame_timeout)

    def _busy(self) -> bool:
        """Something is going on: an exchange either way, a subscription either way, bytes waiting."""
        conn = self._conn
        return bool(conn._pending or conn._handling or conn._oneway_tasks or conn.remote_subscriptions
                    or conn._local_subs or conn._outbox or conn._backlog_len or conn._reading_paused
                    or conn._decoder.buffered_bytes)

    def _frame_timed_out(self) -> None:
        self.stop()
        conn = self._conn
        ms = conn.limits.frame_timeout_ms
        conn.counters.frame_timeouts += 1
        log.debug("%s: frame not complete within %d ms", conn.transport.description, ms)
        conn._decoder.stop()  # the partial frame is dropped, not counted again as a cut stream
        conn._connection_error(InteropError(ErrorCode.RESOURCE_EXHAUSTED,
                                            f"frame not complete within {ms} ms (frame_timeout_ms)"))

    def _idle(self) -> None:
        self.stop()
        conn = self._conn
        conn.counters.idle_timeouts += 1
        self._goodbye = self._loop.create_task(conn._goodbye_when_idle(f"idle for {conn.limits.idle_timeout_ms} ms"))


__all__ = ["Watchdog"]
