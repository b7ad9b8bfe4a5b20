"""Bounded event queues with the counted drop policies of docs/wire.md §5: no publisher can grow
a subscriber's memory without bound. One queue per subscription, drained by one task."""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
from typing import Any, Awaitable, Callable

from .limits import EventPolicy

log = logging.getLogger("interop.events")


class EventQueue:
    """Delivers items to `deliver` one at a time, in order. When `capacity` items wait, the policy
    applies: drop_oldest / drop_newest count a drop; block makes `put` wait for room."""

    def __init__(self, capacity: int, policy: EventPolicy,
                 deliver: Callable[[Any], Awaitable[None] | None], name: str,
                 on_error: Callable[[], None] | None = None) -> None:
        self._items: collections.deque[Any] = collections.deque()
        #: Called when the handler raises (health counter event_handler_errors).
        self._on_error = on_error
        self._capacity = max(1, capacity)
        self._policy = policy
        self._deliver = deliver
        self._name = name
        self._ready = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self.dropped = 0
        self.delivered = 0
        self._closed = False
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"events {name}")

    def __len__(self) -> int:
        return len(self._items)

    @property
    def full(self) -> bool:
        """`capacity` events wait: the next one meets the policy."""
        return len(self._items) >= self._capacity

    @property
    def blocks(self) -> bool:
        return self._policy == "block"

    def put_nowait(self, item: Any) -> bool:
        """Queues without waiting. With `block` and no room the arriving item is dropped (and
        counted): a caller that can wait (a connection's read loop) uses `put` instead; one that
        cannot (an in-process, synchronous publish) has nothing else to do."""
        if self._closed:
            return False
        if len(self._items) >= self._capacity:
            self.dropped += 1
            if self._policy == "drop_oldest":
                self._items.popleft()
            else:
                return False
        self._items.append(item)
        self._ready.set()
        return True

    async def put(self, item: Any) -> bool:
        """Queues; with the `block` policy waits for room first. A connection's read loop awaits
        this, so it stops reading that peer until the handler catches up: the transport's
        backpressure then holds the publisher."""
        if self._policy == "block":
            while not self._closed and len(self._items) >= self._capacity:
                self._room.clear()
                await self._room.wait()
        return self.put_nowait(item)

    async def _run(self) -> None:
        while not self._closed:
            if not self._items:
                self._ready.clear()
                await self._ready.wait()
                continue
            item = self._items.popleft()
            self._room.set()
            try:
                result = self._deliver(item)
                if inspect.isawaitable(result):
                    await result
                self.delivered += 1
            except asyncio.CancelledError:
                raise
            except Exception:  # a failing handler must not stop the subscription
                if self._on_error is not None:
                    self._on_error()
                log.exception("event handler of %s failed", self._name)

    def close(self, lost: bool = False) -> int:
        """Stops delivering. `lost` (the connection the events came on closed) counts the events
        still waiting as dropped; returns how many were."""
        discarded = len(self._items) if lost and not self._closed else 0
        self.dropped += discarded
        self._items.clear()
        self._closed = True
        self._room.set()
        self._task.cancel()
        return discarded
