"""The direct transport (docs/wire.md §8): a client stub calling an implementation in the same
process with no encoding and no frames, yet with the same semantics as a remote call: the value
checks an encoder makes (docs/wire.md §3.4) on arguments, results and declared errors, with the
same errors; deadline; declared errors raised as themselves, anything else as
InteropError(INTERNAL); events through bounded queues."""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from .call_errors import declared_error, invalid_declared_error, invalid_result
from .errors import ApplicationError, ErrorCode, InteropError
from .events import EventQueue
from .connection import Counters
from .limits import DEFAULT_LIMITS, Limits
from .module import CallContext, CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor
from .streams import ItemSource, StreamCall


class DirectSubscription:
    def __init__(self, owner: DirectInvoker, key: str, queue: EventQueue) -> None:
        self._owner = owner
        self._key = key
        self.queue = queue

    @property
    def dropped(self) -> int:
        return self.queue.dropped

    async def unsubscribe(self) -> None:
        self._owner._remove(self._key, self)


class DirectInvoker:
    """Invoker for modules hosted in this process."""

    def __init__(self, limits: Limits = DEFAULT_LIMITS, on_drop: Callable[[int], None] | None = None,
                 counters: Counters | None = None) -> None:
        self.limits = limits
        self._handlers: dict[str, Any] = {}
        self._subs: dict[str, list[DirectSubscription]] = {}
        self._on_drop = on_drop
        #: The node's health counters (handler_errors, event_handler_errors).
        self.counters = counters or Counters()

    def serve(self, module: ModuleDescriptor, handlers: Any) -> None:
        self._handlers[module.name] = handlers

    def hosts(self, module: str) -> bool:
        return module in self._handlers

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        handlers = self._handlers.get(module.name)
        if handlers is None:
            raise InteropError(ErrorCode.NOT_FOUND, f"module {module.name} is not hosted in this process")
        fn.params.validate(args)  # what encoding the REQUEST would refuse
        timeout_ms = options.timeout_ms if options and options.timeout_ms is not None else self.limits.default_deadline_ms
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        ctx = CallContext(peer="local", deadline=deadline)
        method = getattr(handlers, fn.method)
        scope: asyncio.Timeout | None = None
        try:
            if deadline is None:
                result = await method(*args, ctx)
            else:
                # The handler runs in the caller's task under a timer that cancels it at the
                # deadline (asyncio.wait_for would run it in a task of its own: more loop turns).
                async with asyncio.timeout(timeout_ms / 1000) as scope:
                    result = await method(*args, ctx)
        except TimeoutError as e:
            if scope is not None and scope.expired():
                raise InteropError(ErrorCode.DEADLINE_EXCEEDED, f"{module.name}.{fn.name}: deadline exceeded") from None
            self.counters.handler_errors += 1  # the handler's own TimeoutError
            raise InteropError(ErrorCode.INTERNAL, f"{type(e).__name__}: {e}") from e
        except ApplicationError as e:
            self.counters.handler_errors += 1
            desc = declared_error(module, fn, e)
            if desc is None:
                raise InteropError(ErrorCode.INTERNAL, f"undeclared error {e}") from e
            try:
                desc.codec.validate(e)  # what encoding the ERROR's detail would refuse
            except InteropError as bad:
                raise invalid_declared_error(fn, desc.name, bad) from None
            raise
        except InteropError:
            self.counters.handler_errors += 1
            raise
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self.counters.handler_errors += 1
            raise InteropError(ErrorCode.INTERNAL, f"{type(e).__name__}: {e}") from e
        if fn.result is None:
            return None
        try:
            fn.result.validate(result)  # what encoding the RESPONSE would refuse
        except InteropError as e:
            self.counters.handler_errors += 1
            raise invalid_result(fn, e) from None
        return result

    def stream(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
               source: ItemSource[Any] | None = None, options: CallOptions | None = None) -> StreamCall[Any, Any]:
        """A stream in process (direct_streams.py); it starts when read."""
        from .direct_streams import DirectStream  # direct_streams imports this module's neighbours

        handlers = self._handlers.get(module.name)
        timeout_ms = options.timeout_ms if options and options.timeout_ms is not None else self.limits.default_deadline_ms

        def begin(call: StreamCall[Any, Any]) -> None:
            if handlers is None:
                call.finish(InteropError(ErrorCode.NOT_FOUND, f"module {module.name} is not hosted in this process"), local=True)
                return
            DirectStream(call, module, fn, handlers, args, source, timeout_ms, self.limits.stream_window, self.counters).start()

        return StreamCall(f"{module.name}.{fn.name}", fn.output is not None, begin)

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None:
        fn.params.validate(args)  # refused here, as sending the ONEWAY would refuse it

        async def run() -> None:
            try:
                await self.call(module, fn, args, CallOptions(timeout_ms=0))
            except Exception:
                pass

        asyncio.get_running_loop().create_task(run())

    async def subscribe(self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler) -> DirectSubscription:
        key = f"{module.name}.{event.name}"
        queue = EventQueue(self.limits.max_event_queue, self.limits.event_queue_policy, handler, key,
                           on_error=self._count_event_handler_error)
        sub = DirectSubscription(self, key, queue)
        self._subs.setdefault(key, []).append(sub)
        return sub

    def _count_event_handler_error(self) -> None:
        self.counters.event_handler_errors += 1

    def _remove(self, key: str, sub: DirectSubscription) -> None:
        subs = self._subs.get(key, [])
        if sub in subs:
            subs.remove(sub)
        sub.queue.close()

    def publish(self, module: ModuleDescriptor, event: EventDescriptor, payload: Any) -> None:
        for sub in self._subs.get(f"{module.name}.{event.name}", []):
            before = sub.queue.dropped
            sub.queue.put_nowait(payload)
            if self._on_drop and sub.queue.dropped > before:
                self._on_drop(sub.queue.dropped - before)
