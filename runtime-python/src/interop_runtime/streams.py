"""The items of a stream (docs/wire.md §1.5), the same over a connection and in process (mirrors
runtime-ts/src/node/stream-items.ts and stream-call.ts).

ItemInbox is the receiving end of one direction: it accepts items within the credit it granted,
hands them to its consumer, and grants credit as the consumer takes them: the window when it
opens, then ceil(window / 2) each time that many were taken. So items granted and not taken never
exceed the window, whatever the sender does.

ItemPump is the sending end: it asks its source (the caller's input, a handler's output) for the
next item only while it holds credit and its sink can take it, so a producer whose consumer does
not read is suspended where it yields, not buffered.

StreamCall is what a generated client's stream method returns: an async iterable over the
callee's items, with `result()` for the callee's answer. Nothing is sent before it is read.
Leaving an `async for` early (break, an exception, a cancelled task) cancels the stream, and so do
`aclose()` and the end of an `async with` block."""

from __future__ import annotations

import asyncio
import collections
import math
from typing import Any, AsyncIterable, AsyncIterator, Awaitable, Callable, Generic, Iterable, Iterator, Protocol, TypeVar

from .errors import ErrorCode, InteropError

T = TypeVar("T")
R = TypeVar("R")
T_contra = TypeVar("T_contra", contravariant=True)

#: What a stream's items come from: an async iterable (an async generator) or a plain iterable.
ItemSource = AsyncIterable[T] | Iterable[T]

#: The largest credit a sender may hold: credit travels as a u32 (docs/wire.md §1.5).
MAX_CREDIT = 0xFFFF_FFFF


class ItemInbox(Generic[T]):
    """The receiving end of one direction; an async iterator for its one consumer."""

    def __init__(self, window: int, on_grant: Callable[[int], None]) -> None:
        self._window = window
        self._refill = math.ceil(window / 2)
        self._on_grant = on_grant
        self._items: collections.deque[T] = collections.deque()
        self._granted = 0
        self._received = 0
        self._taken_since_grant = 0
        self._ended = False
        self._failure: InteropError | None = None
        self._done = False
        self._waiter: asyncio.Future[None] | None = None

    def open(self) -> None:
        """The direction opens: grants the window."""
        self._grant(self._window)

    @property
    def finished(self) -> bool:
        """The consumer stopped, or was (or will be) told the end."""
        return self._done or self._ended or self._failure is not None

    def push(self, item: T) -> bool:
        """An item from the sender. False when it goes past the credit granted (the sender broke
        the rules: RESOURCE_EXHAUSTED). Once the consumer stopped, items within credit are dropped."""
        if self._received >= self._granted:
            return False
        self._received += 1
        if not self.finished:
            self._items.append(item)
            self._wake()
        return True

    def end(self) -> None:
        """The sender's end: the consumer gets the items that wait, then the end."""
        if not self.finished:
            self._ended = True
            self._wake()

    def fail(self, error: InteropError, discard: bool) -> None:
        """Ends with `error`: after the waiting items when the peer sent it (an error
        mid-stream), or at once, discarding them, for a local reason (a cancel, a deadline, a
        lost connection)."""
        if self._done:
            return
        if discard:
            self._items.clear()
        elif self._ended or self._failure is not None:
            return
        self._failure = error
        self._ended = False
        self._wake()

    def stop(self) -> None:
        """The consumer stops reading: nothing more is delivered, no more credit is granted."""
        self._done = True
        self._items.clear()
        self._failure = None
        self._wake()

    def __aiter__(self) -> ItemInbox[T]:
        return self

    async def __anext__(self) -> T:
        while True:
            if self._items:
                item = self._items.popleft()
                self._taken()
                return item
            if self._done:
                raise StopAsyncIteration
            if self._ended or self._failure is not None:
                self._done = True
                failure, self._failure = self._failure, None
                if failure is not None:
                    raise failure
                raise StopAsyncIteration
            if self._waiter is not None:
                raise InteropError(ErrorCode.INTERNAL, "a stream is read by one consumer at a time")
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _taken(self) -> None:
        if self.finished:
            return
        self._taken_since_grant += 1
        if self._taken_since_grant >= self._refill:
            self._grant(self._taken_since_grant)

    def _grant(self, n: int) -> None:
        self._granted += n
        self._taken_since_grant = 0
        self._on_grant(n)


class ItemSink(Protocol[T_contra]):
    """Where an ItemPump puts the items it takes from its source."""

    def ready(self) -> bool:
        """Whether an item can be passed on now; when not, the pump awaits wait_ready()."""

    async def wait_ready(self) -> None: ...

    def send(self, item: T_contra) -> None:
        """Passes one item on (encodes and sends it); raises InteropError when it cannot."""

    def end(self) -> None:
        """The source ended."""


class ItemPump(Generic[T]):
    """The sending end of one direction. `run()` takes items while credit lasts; the owner runs it
    in a task (the caller's input) or awaits it (a handler's output, in the handler's task), and
    cancels that task to stop it: the source is then closed (its `finally` runs)."""

    def __init__(self, source: ItemSource[T], sink: ItemSink[T]) -> None:
        self._source = source
        self._sink = sink
        self._credit = 0
        self._has_credit = asyncio.Event()

    def grant(self, n: int) -> bool:
        """The receiver granted `n` more items. False when that takes the credit past MAX_CREDIT."""
        if self._credit + n > MAX_CREDIT:
            return False
        self._credit += n
        self._has_credit.set()
        return True

    async def run(self) -> None:
        """Sends items while credit lasts, then the end. Raises what the source or the sink
        raised (the owner ends the stream with it)."""
        sink = self._sink
        source = self._source
        iterator: AsyncIterator[T] | Iterator[T]
        sync: Iterator[T] | None = None
        if isinstance(source, AsyncIterable):
            iterator = source.__aiter__()
            next_item: Callable[[], Awaitable[T]] = iterator.__anext__
        else:
            iterator = sync = iter(source)
        try:
            while True:
                while self._credit == 0:
                    self._has_credit.clear()
                    await self._has_credit.wait()
                if not sink.ready():
                    await sink.wait_ready()
                    continue
                try:
                    item = next(sync) if sync is not None else await next_item()
                except (StopAsyncIteration, StopIteration):
                    sink.end()
                    return
                self._credit -= 1
                sink.send(item)
        finally:
            aclose = getattr(iterator, "aclose", None)
            if aclose is not None:
                await aclose()
            else:
                close = getattr(iterator, "close", None)
                if close is not None:
                    close()


class StreamEngine(Protocol):
    """What a StreamCall needs from the engine running its exchange."""

    def cancel(self, error: InteropError | None) -> None:
        """Ends the exchange from the caller's side (a CANCEL): `error` for its consumers, or
        None when the consumer just stopped reading."""


class StreamCall(Generic[T, R]):
    """The caller's end of one stream (see the module docstring)."""

    def __init__(self, label: str, has_output: bool, begin: Callable[[StreamCall[T, R]], None]) -> None:
        self.label = label
        self._has_output = has_output
        self._begin = begin
        self._started = False
        self._engine: StreamEngine | None = None
        self.output: ItemInbox[T] | None = None
        self._outcome: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._attached = asyncio.Event()

    # ---- the engine's side ---------------------------------------------------------------------

    def attach(self, engine: StreamEngine, window: int, on_grant: Callable[[int], None]) -> None:
        """The exchange runs: `engine` can cancel it. With an output, the inbox grants `window`
        through `on_grant` once the engine calls `output.open()`."""
        self._engine = engine
        if self._has_output and not self._outcome.done():
            self.output = ItemInbox(window, on_grant)
        self._attached.set()

    def finish(self, error: InteropError | None = None, value: Any = None, local: bool = False) -> None:
        """The exchange is over: with `error`, or with the callee's answer `value`. `local`
        errors (a cancel, the deadline, a lost connection) discard the items not read yet."""
        if self._outcome.done():
            return
        if error is not None:
            self._outcome.set_exception(error)
            self._outcome.exception()  # retrieved here: result() may never be awaited
        else:
            self._outcome.set_result(value)
        self._engine = None
        if self.output is not None:
            if error is not None:
                self.output.fail(error, local)
            else:
                self.output.end()
        self._attached.set()

    @property
    def finished(self) -> bool:
        return self._outcome.done()

    # ---- the caller's side ---------------------------------------------------------------------

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        self._start()
        try:
            await self._attached.wait()
            if self.output is None:
                if self._has_output:
                    await self._outcome  # ended before any item could be read: raises its error
                return
            async for item in self.output:
                yield item
        finally:
            self.cancel()

    async def result(self) -> R:
        """The callee's answer: a client stream's result (None for a server stream, at its end).
        A cancelled task awaiting it cancels the stream."""
        self._start()
        try:
            value: R = await asyncio.shield(self._outcome)
            return value
        except asyncio.CancelledError:
            self.cancel()
            raise

    def cancel(self) -> None:
        """Stops the stream if it is not over: the callee learns it at once (a CANCEL)."""
        if self.output is not None:
            self.output.stop()
        if not self._outcome.done():
            engine = self._engine
            if engine is not None:
                engine.cancel(None)
            self.finish(InteropError(ErrorCode.CANCELLED, f"{self.label}: the caller stopped reading"), local=True)

    async def aclose(self) -> None:
        self.cancel()

    async def __aenter__(self) -> StreamCall[T, R]:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cancel()

    def _start(self) -> None:
        if not self._started:
            self._started = True
            if not self._outcome.done():
                self._begin(self)


__all__ = ["ItemInbox", "ItemPump", "ItemSink", "ItemSource", "MAX_CREDIT", "StreamCall", "StreamEngine"]
