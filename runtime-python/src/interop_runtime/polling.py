"""Events by polling (runtime-python/README.md "Events: handlers or polling"): a subscription whose
events the program takes when it wants them, with `await sub.next(timeout_ms)` or `async for`,
instead of a handler that the runtime calls. The same as runtime-ts/src/node/polling.ts.

It is an ordinary subscription whose handler hands each event over and waits until the program
has taken it. So the events that arrive meanwhile wait in the subscription's own bounded queue,
under the same max_event_queue, event_queue_policy and drop counters as for a slow handler, over
every transport and in process alike: one event in the hand-over, max_event_queue behind it."""

from __future__ import annotations

import asyncio
import collections
from typing import Any, AsyncIterator, Awaitable, Callable, Generic, TypeVar

from .errors import ErrorCode, InteropError
from .module import Subscription

T = TypeVar("T")


class PolledSubscription(Generic[T]):
    def __init__(self, what: str) -> None:
        self._what = what
        self._inner: Subscription | None = None
        self._offered: tuple[T, asyncio.Future[None]] | None = None
        self._waiters: collections.deque[asyncio.Future[T]] = collections.deque()
        self._closed = False

    @classmethod
    async def open(cls, subscribe: Callable[[Callable[[T], Awaitable[None]]], Awaitable[Subscription]],
                   what: str = "event") -> PolledSubscription[T]:
        """Subscribes through `subscribe`, the generated client's handler method:
        `await PolledSubscription.open(chat.subscribe_message_posted)`."""
        polled: PolledSubscription[T] = cls(what)
        polled._inner = await subscribe(polled._hand_over)
        return polled

    @property
    def dropped(self) -> int:
        """Events dropped by the queue policy so far (the same count a handler's subscription keeps)."""
        return 0 if self._inner is None else self._inner.dropped

    async def next(self, timeout_ms: int | None = None) -> T:
        """The next event: at once when one waits, else the first to arrive. Raises
        DEADLINE_EXCEEDED when none arrives within `timeout_ms` (0: only an event already waiting;
        None: no limit), and CANCELLED once unsubscribed."""
        if self._offered is not None:
            payload, taken = self._offered
            self._offered = None
            if not taken.done():
                taken.set_result(None)
            return payload
        if self._closed:
            raise self._closed_error()
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            if timeout_ms == 0:
                # One loop turn: an event already queued behind the one just taken is handed over
                # by the queue's task in it (TS does the same before a 0 ms timer fires).
                await asyncio.sleep(0)
                if not waiter.done():
                    raise TimeoutError
                return waiter.result()
            return await asyncio.wait_for(waiter, None if timeout_ms is None else timeout_ms / 1000)
        except TimeoutError:
            raise InteropError(ErrorCode.DEADLINE_EXCEEDED, f"no {self._what} within {timeout_ms} ms") from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    def __aiter__(self) -> AsyncIterator[T]:
        return self._events()

    async def _events(self) -> AsyncIterator[T]:
        """Every event until unsubscribed; leaving the loop early keeps the subscription."""
        while not self._closed:
            try:
                yield await self.next()
            except InteropError:
                if self._closed:
                    return
                raise

    async def unsubscribe(self) -> None:
        """Ends the subscription: waiting next() calls raise CANCELLED and loops end."""
        if self._closed:
            return
        self._closed = True
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_exception(self._closed_error())
        if self._offered is not None and not self._offered[1].done():
            self._offered[1].set_result(None)
        self._offered = None
        if self._inner is not None:
            await self._inner.unsubscribe()

    async def _hand_over(self, payload: T) -> None:
        """The subscription's handler: returns once the program took the event."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(payload)
                return
        if self._closed:
            return
        taken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._offered = (payload, taken)
        await taken

    def _closed_error(self) -> InteropError:
        return InteropError(ErrorCode.CANCELLED, f"the {self._what} subscription was closed")


__all__ = ["PolledSubscription"]
