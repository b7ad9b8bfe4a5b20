"""Streams in process (docs/wire.md §8; mirrors runtime-ts/src/transport/direct-streams.ts): the
caller's StreamCall and the handler meet with no encoding and no frames, through the same
ItemInbox / ItemPump pair as over a connection, so the same credit (stream_window items ahead of
each consumer), the same ends and the same errors apply: a declared error reaches the caller as
itself after the items before it, an InteropError as itself, anything else as INTERNAL; the
caller's cancel, a consumer that stops reading and the deadline cancel the handler's task. Values
get the checks an encoder makes (docs/wire.md §3.4): parameters and the caller's items are refused
with INVALID_ARGUMENT, the handler's items and result end the stream with INTERNAL."""

from __future__ import annotations

import asyncio
import inspect
import time
from typing import Any, Callable

from .call_errors import HandlerFault, declared_error, invalid_declared_error, invalid_item, invalid_result
from .counters import Counters
from .errors import ApplicationError, ErrorCode, InteropError
from .module import CallContext, FunctionDescriptor, ModuleDescriptor
from .streams import ItemInbox, ItemPump, ItemSource, StreamCall


class _Pass:
    """An ItemPump sink in process: nothing waits for a channel."""

    def __init__(self, push: Callable[[Any], object], end: Callable[[], None]) -> None:
        self._push = push
        self._end = end

    def send(self, item: Any) -> None:
        self._push(item)

    def end(self) -> None:
        self._end()

    def ready(self) -> bool:
        return True

    async def wait_ready(self) -> None:  # never called: always ready
        return None


def handler_error(module: ModuleDescriptor, fn: FunctionDescriptor, error: Exception) -> InteropError:
    """What the caller gets for a handler's exception, as DirectInvoker.call gives it: a declared
    error as itself once its fields pass the checks of docs/wire.md §3.4, an InteropError as
    itself, anything else INTERNAL."""
    if isinstance(error, ApplicationError):
        desc = declared_error(module, fn, error)
        if desc is None:
            return InteropError(ErrorCode.INTERNAL, f"undeclared error {error}")
        try:
            desc.codec.validate(error)  # what encoding the ERROR's detail would refuse
        except InteropError as bad:
            return invalid_declared_error(fn, desc.name, bad)
        return error
    if isinstance(error, InteropError):
        return error
    return InteropError(ErrorCode.INTERNAL, f"{type(error).__name__}: {error}")


class DirectStream:
    """One stream between a caller and a handler in the same process."""

    def __init__(self, call: StreamCall[Any, Any], module: ModuleDescriptor, fn: FunctionDescriptor, handlers: Any,
                 args: tuple[Any, ...], source: ItemSource[Any] | None, timeout_ms: int, window: int,
                 counters: Counters) -> None:
        self._call = call
        self._module = module
        self._fn = fn
        self._handlers = handlers
        self._args = args
        self._source = source
        self._timeout_ms = timeout_ms
        self._window = window
        self._counters = counters
        self._label = f"{module.name}.{fn.name}"
        self._handler_input: ItemInbox[Any] | None = None
        self._input_pump: ItemPump[Any] | None = None
        self._output_pump: ItemPump[Any] | None = None
        self._early_credit = 0
        self._tasks: list[asyncio.Task[None]] = []
        self._finished = False

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            self._fn.params.validate(self._args)  # what encoding the REQUEST would refuse
        except InteropError as e:
            self._call.finish(e, local=True)
            return
        self._call.attach(self, self._window, self._grant_output)
        if self._fn.input is not None:
            item_type = self._fn.input
            inbox: ItemInbox[Any] = ItemInbox(self._window, self._grant_input)

            def take(item: Any) -> None:
                item_type.validate(item)  # what encoding the STREAM_ITEM would refuse: INVALID_ARGUMENT
                inbox.push(item)

            pump: ItemPump[Any] = ItemPump(self._source if self._source is not None else (), _Pass(take, inbox.end))
            self._handler_input, self._input_pump = inbox, pump
            self._tasks.append(loop.create_task(self._run_input(pump), name=f"input {self._label}"))
            inbox.open()
        if self._call.output is not None:
            self._call.output.open()
        self._tasks.append(loop.create_task(self._run_handler(), name=f"direct {self._label}"))

    def _grant_input(self, n: int) -> None:
        assert self._input_pump is not None
        self._input_pump.grant(n)

    def _grant_output(self, n: int) -> None:
        if self._output_pump is not None:
            self._output_pump.grant(n)
        else:
            self._early_credit += n

    async def _run_input(self, pump: ItemPump[Any]) -> None:
        try:
            await pump.run()
        except asyncio.CancelledError:
            pass
        except InteropError as e:
            self._stop(e)
        except Exception as e:
            self._stop(InteropError(ErrorCode.CANCELLED, f"{self._label}: the input failed: {e}"))

    async def _run_handler(self) -> None:
        deadline = time.monotonic() + self._timeout_ms / 1000 if self._timeout_ms > 0 else None
        ctx = CallContext(peer="local", deadline=deadline)
        args = self._args if self._handler_input is None else (*self._args, self._handler_input)
        value: Any = None
        try:
            async with asyncio.timeout(self._timeout_ms / 1000 if self._timeout_ms > 0 else None):
                result = getattr(self._handlers, self._fn.method)(*args, ctx)
                if self._fn.output is not None:
                    if inspect.isawaitable(result):
                        result = await result
                    if not (hasattr(result, "__aiter__") or hasattr(result, "__iter__")):
                        raise TypeError("the handler of a server stream returned no iterable")
                    output = self._call.output
                    item_type = self._fn.output
                    assert output is not None

                    def give(item: Any) -> None:
                        try:
                            item_type.validate(item)  # what encoding the STREAM_ITEM would refuse
                        except InteropError as bad:
                            raise HandlerFault(invalid_item(self._fn, bad)) from None
                        output.push(item)

                    self._output_pump = ItemPump(result, _Pass(give, lambda: None))
                    if self._early_credit:
                        self._output_pump.grant(self._early_credit)
                    await self._output_pump.run()
                else:
                    value = await result
                    if self._fn.result is not None:
                        try:
                            self._fn.result.validate(value)  # what encoding the RESPONSE would refuse
                        except InteropError as bad:
                            raise HandlerFault(invalid_result(self._fn, bad)) from None
        except TimeoutError:
            self._stop(InteropError(ErrorCode.DEADLINE_EXCEEDED, f"{self._label}: deadline of {self._timeout_ms} ms exceeded"))
            return
        except asyncio.CancelledError:
            return
        except Exception as e:
            self._counters.handler_errors += 1
            self._end()
            self._call.finish(e.error if isinstance(e, HandlerFault) else handler_error(self._module, self._fn, e))
            return
        self._end()
        self._call.finish(None, value if self._fn.result is not None else None)

    def cancel(self, error: InteropError | None) -> None:
        """StreamEngine: the caller's consumer stopped reading (no error), or gave up."""
        self._stop(error or InteropError(ErrorCode.CANCELLED, f"{self._label}: the caller stopped reading"))

    def _stop(self, error: InteropError) -> None:
        """Ends the stream for a reason of the caller's: the handler's task is cancelled."""
        if self._finished:
            return
        self._end(error)
        self._call.finish(error, local=True)

    def _end(self, reason: InteropError | None = None) -> None:
        self._finished = True
        if self._handler_input is not None:
            self._handler_input.fail(reason or InteropError(ErrorCode.CANCELLED, f"{self._label}: the stream is over"), True)
        current = asyncio.current_task()
        for task in self._tasks:
            if task is not current:
                task.cancel()
