"""Streams over a Connection (docs/wire.md §1.5, §6); mirrors runtime-ts/src/node/stream-calls.ts
and stream-serve.ts.

The caller's side (OutgoingStream): the REQUEST with the function's STREAM_IN / STREAM_OUT flags
under an in-flight slot and a correlation id like any exchange, the credit for the callee's items
in the same turn, the caller's items pumped under the callee's credit and ended with STREAM_END,
the callee's answer that ends it, and a CANCEL when the caller gives up (a cancelled task, the
deadline, a consumer that stops reading, an input that fails).

The callee's side (`_serve_stream`): the handler gets its parameters, its input (an async
iterator over the caller's items, whose credit this side grants as the handler reads) and the
context; its output (an async generator, or any iterable) is pumped under the caller's credit, in
the handler's task. The answer ends the exchange: an empty RESPONSE when the output ends, a client
stream's result, or an ERROR. A CANCEL, the deadline or a lost connection cancel that task."""

from __future__ import annotations

import asyncio
import inspect
import logging
import struct
import time
from typing import Any

from .call_errors import HandlerFault, invalid_item, invalid_result
from .codec.type_codec import CodecName
from .conn_caller import CallerSide, Pending
from .conn_core import Served
from .conn_serving import ServingSide
from .errors import ErrorCode, InteropError
from .frames import (FLAG_CALLEE, FLAG_STREAM_IN, FLAG_STREAM_OUT, CodecId, Frame, FrameKind, codec_id,
                     codec_name)
from .module import CallContext, CallOptions, FunctionDescriptor, ModuleDescriptor
from .streams import MAX_CREDIT, ItemInbox, ItemPump, ItemSource, StreamCall

log = logging.getLogger("interop.connection")

_U32 = struct.Struct("<I")


def stream_flags(fn: FunctionDescriptor) -> int:
    """A stream function's REQUEST flags: STREAM_IN with an input, STREAM_OUT with an output."""
    return (FLAG_STREAM_IN if fn.input is not None else 0) | (FLAG_STREAM_OUT if fn.output is not None else 0)


def read_credit(frame: Frame) -> int | None:
    """A STREAM_CREDIT's grant, or None when its payload is not a u32 of at least 1."""
    if len(frame.payload) != 4:
        return None
    n: int = _U32.unpack(frame.payload)[0]
    return n if n >= 1 else None


def decode_item(frame: Frame, fn_codec: Any, request_codec: CodecName, max_depth: int) -> Any:
    """The item a STREAM_ITEM carries; raises the InteropError that ends its stream: an item in
    another codec than the REQUEST's is PROTOCOL_ERROR, one that does not decode
    INVALID_ARGUMENT (RESOURCE_EXHAUSTED past max_depth), as parameters are."""
    if codec_name(frame.codec) != request_codec:
        raise InteropError(ErrorCode.PROTOCOL_ERROR, f"an item in codec {frame.codec}, not the request's ({request_codec})")
    try:
        return fn_codec.decode(frame.payload, request_codec, max_depth)
    except InteropError as e:
        raise InteropError(e.code, f"an item does not decode: {e.message}") from None


class _Sink:
    """An ItemPump's sink over the connection: waits while the peer does not read."""

    def __init__(self, conn: StreamSide, fn: FunctionDescriptor, cid: int, codec: CodecName, item_codec: Any,
                 from_callee: bool, on_end: Any) -> None:
        self._conn = conn
        self._fn = fn
        self._cid = cid
        self._codec = codec
        self._item_codec = item_codec
        self._flags = FLAG_CALLEE if from_callee else 0
        self._on_end = on_end

    def ready(self) -> bool:
        return self._conn._writable_now()

    async def wait_ready(self) -> None:
        await self._conn._writable()

    def send(self, item: Any) -> None:
        # A value its type cannot hold (docs/wire.md §3.4): the caller's item is refused as an
        # argument is (the encoder's INVALID_ARGUMENT ends its stream); the handler's is its fault.
        try:
            payload = self._item_codec.encode(item, self._codec)
        except InteropError as e:
            if not self._flags:
                raise
            raise HandlerFault(invalid_item(self._fn, e)) from None
        self._conn._send(Frame(FrameKind.STREAM_ITEM, codec_id(self._codec), self._cid, "", payload, flags=self._flags))

    def end(self) -> None:
        self._on_end()


class OutgoingStream:
    """The caller's side of one stream over a connection."""

    def __init__(self, conn: StreamSide, call: StreamCall[Any, Any], module: ModuleDescriptor, fn: FunctionDescriptor,
                 args: tuple[Any, ...], source: ItemSource[Any] | None, options: CallOptions | None) -> None:
        self._conn = conn
        self._call = call
        self._module = module
        self._fn = fn
        self._args = args
        self._source = source
        self._target = f"{module.name}.{fn.name}"
        self._codec: CodecName = conn.codec_for(self._target)
        timeout_ms = options.timeout_ms if options and options.timeout_ms is not None else conn.limits.default_deadline_ms
        self._timeout_ms = timeout_ms
        self._deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        self._cid = 0
        self._pump: ItemPump[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._pump_task: asyncio.Task[None] | None = None
        #: Why the caller's side ended the stream (the task was cancelled for it).
        self._stop_error: InteropError | None = None

    def start(self) -> None:
        conn = self._conn
        try:
            conn._check_open()
            conn.versions.check(self._module, "function", self._fn.name)  # docs/wire.md §2.2: before anything is sent
        except InteropError as e:
            self._call.finish(e, local=True)
            return
        self._call.attach(self, conn.limits.stream_window, self._send_credit)
        self._task = asyncio.get_running_loop().create_task(self._run(), name=f"stream {self._target}")

    def cancel(self, error: InteropError | None) -> None:
        """StreamEngine: the consumer stopped (no error), or the caller's side ended the stream."""
        self._stop(error or InteropError(ErrorCode.CANCELLED, f"{self._target}: the caller stopped reading"))

    def _stop(self, error: InteropError) -> None:
        if self._stop_error is None and self._task is not None and not self._task.done():
            self._stop_error = error
            self._task.cancel()

    def _send_credit(self, n: int) -> None:
        self._conn._send(Frame(FrameKind.STREAM_CREDIT, CodecId.NONE, self._cid, "", _U32.pack(n)))

    async def _run(self) -> None:
        conn = self._conn
        error: InteropError | None = None
        value: Any = None
        local = True
        try:
            async with asyncio.timeout_at(None if self._deadline is None else asyncio.get_running_loop().time()
                                          + (self._deadline - time.monotonic())):
                await conn._slots.acquire()
                try:
                    frame = await self._exchange()
                finally:
                    conn._slots.release()
            if frame.kind == FrameKind.ERROR:
                error, local = conn._error_of(frame, self._module), False
            elif self._fn.result is not None:
                value = self._fn.result.decode(frame.payload, codec_name(frame.codec) or self._codec, conn.limits.max_depth)
        except TimeoutError:
            error = InteropError(ErrorCode.DEADLINE_EXCEEDED, f"{self._target}: deadline of {self._timeout_ms} ms exceeded")
            conn._cancel_remote(self._cid)
        except asyncio.CancelledError:
            error = self._stop_error or InteropError(ErrorCode.CANCELLED, f"{self._target}: cancelled by the caller")
            conn._cancel_remote(self._cid)
        except InteropError as e:
            error = e  # the connection closed, or the answer does not decode
        finally:
            conn._out_streams.pop(self._cid, None)
            if self._pump_task is not None:
                self._pump_task.cancel()
        self._call.finish(error, value, local)

    async def _exchange(self) -> Frame:
        conn = self._conn
        conn._check_open()
        if not conn._writable_now():
            await conn._writable()  # the peer is not reading what we sent: wait, within the deadline
            conn._check_open()
        payload = self._fn.params.encode(self._args, self._codec)
        self._cid = cid = conn._new_id()
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        conn._pending[cid] = Pending(future, self._target)
        conn._out_streams[cid] = self
        remaining_ms = 0 if self._deadline is None else max(1, int((self._deadline - time.monotonic()) * 1000))
        conn._send(Frame(FrameKind.REQUEST, codec_id(self._codec), cid, self._target, payload,
                         timeout_ms=remaining_ms, flags=stream_flags(self._fn)))
        if self._call.output is not None:
            self._call.output.open()
        if self._fn.input is not None:
            # The callee grants credit for our items once it has accepted the REQUEST.
            sink = _Sink(conn, self._fn, cid, self._codec, self._fn.input, False, self._send_end)
            self._pump = ItemPump(self._source if self._source is not None else (), sink)
            self._pump_task = asyncio.get_running_loop().create_task(self._run_input(self._pump))
        return await future

    def _send_end(self) -> None:
        self._conn._send(Frame(FrameKind.STREAM_END, CodecId.NONE, self._cid))

    async def _run_input(self, pump: ItemPump[Any]) -> None:
        try:
            await pump.run()
        except asyncio.CancelledError:
            pass
        except InteropError as e:
            self._stop(e)
        except Exception as e:
            self._stop(InteropError(ErrorCode.CANCELLED, f"{self._target}: the input failed: {e}"))

    def on_frame(self, frame: Frame) -> None:
        """A STREAM_ITEM, STREAM_END or STREAM_CREDIT from the callee (its CALLEE flag set)."""
        if frame.kind == FrameKind.STREAM_ITEM:
            output = self._call.output
            if self._fn.output is None or output is None:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "an item from the callee of a stream without output")
            try:
                item = decode_item(frame, self._fn.output, self._codec, self._conn.limits.max_depth)
            except InteropError as e:
                return self._broke_rules(e.code, e.message)
            if not output.push(item):
                self._broke_rules(ErrorCode.RESOURCE_EXHAUSTED, "an item beyond the credit granted")
        elif frame.kind == FrameKind.STREAM_CREDIT:
            n = read_credit(frame)
            if self._pump is None:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "credit for a stream without input")
            if n is None or not self._pump.grant(n):
                self._broke_rules(ErrorCode.PROTOCOL_ERROR, "a malformed STREAM_CREDIT")
        else:
            self._broke_rules(ErrorCode.PROTOCOL_ERROR, "a STREAM_END from the callee")

    def _broke_rules(self, code: int, message: str) -> None:
        """A callee's stream frame broke the rules of docs/wire.md §1.5: the stream ends here with
        `code`, and the callee gets a CANCEL."""
        self._conn.counters.rejected_frames += 1
        self.break_off(InteropError(code, f"{self._target}: {message}"))

    def break_off(self, problem: InteropError) -> None:
        self._stop(problem)


class StreamSide(CallerSide, ServingSide):
    """Both sides of the streams on a connection."""

    def _setup(self) -> None:
        super()._setup()
        #: Streams this side started, by correlation id (their answers come through _pending).
        self._out_streams: dict[int, OutgoingStream] = {}
        #: Streams this side serves, by the peer's correlation id.
        self._in_streams: dict[int, ServedStream] = {}

    def _teardown(self, reason: InteropError) -> None:
        super()._teardown(reason)  # fails _pending (our streams' tasks see it) and cancels handlers
        self._in_streams.clear()

    # ---- Invoker --------------------------------------------------------------------------------

    def stream(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
               source: ItemSource[Any] | None = None, options: CallOptions | None = None) -> StreamCall[Any, Any]:
        """A stream over this connection; it starts when read (see streams.StreamCall)."""
        return StreamCall(f"{module.name}.{fn.name}", fn.output is not None,
                          lambda call: OutgoingStream(self, call, module, fn, args, source, options).start())

    # ---- frames ---------------------------------------------------------------------------------

    def _on_stream_frame(self, frame: Frame) -> None:
        """Where a stream frame goes (docs/wire.md §1.5): with the CALLEE flag to a stream this
        side started, else to one it serves. One for a call breaks the rules; one naming no open
        exchange is dropped and counted (late_stream_frames)."""
        cid = frame.correlation
        if frame.flags & FLAG_CALLEE:
            out = self._out_streams.get(cid)
            if out is not None:
                out.on_frame(frame)
                return
            is_call = cid in self._pending
        else:
            served = self._in_streams.get(cid)
            if served is not None:
                served.on_frame(frame)
                return
            is_call = cid in self._handling
        if is_call:
            self.counters.rejected_frames += 1
            self._break_off_stream(frame.flags, cid, InteropError(ErrorCode.PROTOCOL_ERROR, "a stream frame for a call"))
            return
        self.counters.late_stream_frames += 1
        log.debug("dropped stream frame %s for correlation %d: no open stream", frame.kind.name, cid)

    def _break_off_stream(self, flags: int, cid: int, problem: InteropError) -> None:
        """A stream frame that breaks the rules (counted already) ends the exchange it names: one
        this side started fails here with `problem` and the peer gets a CANCEL; one it serves is
        answered ERROR `problem` and its handler cancelled (docs/wire.md §1.5)."""
        if flags & FLAG_CALLEE:
            out = self._out_streams.get(cid)
            if out is not None:
                out.break_off(problem)
            elif self._fail_exchange(cid, problem):
                self._send(Frame(FrameKind.CANCEL, CodecId.NONE, cid))
            return
        served = self._in_streams.get(cid)
        if served is not None:
            served.break_off(problem)
            return
        task = self._handling.pop(cid, None)
        if task is not None:
            task.cancel()
            self._send_error(cid, "", problem, "json")

    def _serve_stream(self, frame: Frame, served: Served, fn: FunctionDescriptor, args: tuple[Any, ...],
                      codec: CodecName) -> None:
        cid = frame.correlation
        deadline = time.monotonic() + frame.timeout_ms / 1000 if frame.timeout_ms else None
        stream = ServedStream(self, cid, frame.target, codec, served, fn, CallContext(peer=self.peer, deadline=deadline))
        self._in_streams[cid] = stream
        self._handling[cid] = asyncio.get_running_loop().create_task(stream.run(args), name=f"serve {frame.target}")


class ServedStream:
    """The callee's side of one stream over a connection."""

    def __init__(self, conn: StreamSide, cid: int, target: str, codec: CodecName, served: Served,
                 fn: FunctionDescriptor, ctx: CallContext) -> None:
        self._conn = conn
        self._cid = cid
        self._target = target
        self._codec = codec
        self._served = served
        self._fn = fn
        self._ctx = ctx
        self._input: ItemInbox[Any] | None = None
        if fn.input is not None:
            self._input = ItemInbox(conn.limits.stream_window, self._send_credit)
        self._input_ended = False
        self._pump: ItemPump[Any] | None = None
        self._early_credit = 0
        self._done = False

    def _send_credit(self, n: int) -> None:
        self._conn._send(Frame(FrameKind.STREAM_CREDIT, CodecId.NONE, self._cid, "", _U32.pack(n), flags=FLAG_CALLEE))

    async def run(self, args: tuple[Any, ...]) -> None:
        conn = self._conn
        ctx = self._ctx
        try:
            failure: Exception | None = None
            payload = b""
            if self._input is not None:
                self._input.open()  # accepted: the caller may now send items (§1.5)
                args = (*args, self._input)
            try:
                if ctx.deadline is not None and ctx.deadline <= time.monotonic():
                    return  # the caller has given up already: the handler is not started
                timeout = None if ctx.deadline is None else asyncio.get_running_loop().time() + (ctx.deadline - time.monotonic())
                async with asyncio.timeout_at(timeout):
                    result = getattr(self._served.handlers, self._fn.method)(*args, ctx)
                    if self._fn.output is not None:
                        if inspect.isawaitable(result):
                            result = await result
                        if not (hasattr(result, "__aiter__") or hasattr(result, "__iter__")):
                            raise TypeError("the handler of a server stream returned no iterable")
                        self._pump = ItemPump(result, _Sink(conn, self._fn, self._cid, self._codec, self._fn.output, True, lambda: None))
                        if self._early_credit:
                            self._pump.grant(self._early_credit)
                        await self._pump.run()
                    else:
                        value = await result
                        if self._fn.result is not None:
                            try:
                                payload = self._fn.result.encode(value, self._codec)
                            except InteropError as e:
                                conn.counters.handler_errors += 1
                                failure = invalid_result(self._fn, e)
            except (TimeoutError, asyncio.CancelledError):
                return  # the caller has given up, or the stream broke the rules: nothing more to send
            except HandlerFault as e:
                conn.counters.handler_errors += 1
                failure = e.error
            except Exception as e:
                conn.counters.handler_errors += 1
                failure = e
            if conn._handling.get(self._cid) is not asyncio.current_task():
                return
            if not conn._writable_now():
                # The peer is not reading: the answer waits here, keeping its in-flight slot.
                remaining = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
                try:
                    await asyncio.wait_for(conn._writable(), remaining)
                except (TimeoutError, asyncio.CancelledError):
                    return
                if conn.closed or conn._handling.get(self._cid) is not asyncio.current_task():
                    return
            if failure is not None:
                conn._send_failure(self._cid, self._target, self._codec, self._served.module, self._fn, failure)
                return
            conn.counters.requests_served += 1
            conn._send(Frame(FrameKind.RESPONSE, codec_id(self._codec), self._cid, self._target, payload))
        finally:
            self._done = True
            if self._input is not None:
                self._input.fail(InteropError(ErrorCode.CANCELLED, f"{self._target}: the stream is over"), True)
            if conn._in_streams.get(self._cid) is self:
                del conn._in_streams[self._cid]
            if conn._handling.get(self._cid) is asyncio.current_task():
                del conn._handling[self._cid]

    def on_frame(self, frame: Frame) -> None:
        """A STREAM_ITEM, STREAM_END or STREAM_CREDIT from the caller (its CALLEE flag clear)."""
        if self._done:
            return
        if frame.kind == FrameKind.STREAM_ITEM:
            if self._input is None or self._input_ended:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "an item after STREAM_END" if self._input else "an item for a stream without input")
            try:
                item = decode_item(frame, self._fn.input, self._codec, self._conn.limits.max_depth)
            except InteropError as e:
                return self._broke_rules(e.code, e.message)
            if not self._input.push(item):
                self._broke_rules(ErrorCode.RESOURCE_EXHAUSTED, "an item beyond the credit granted")
        elif frame.kind == FrameKind.STREAM_END:
            if self._input is None or self._input_ended:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "a second STREAM_END" if self._input else "a STREAM_END for a stream without input")
            self._input_ended = True
            self._input.end()
        else:
            n = read_credit(frame)
            if self._fn.output is None:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "credit for a stream without output")
            if n is None:
                return self._broke_rules(ErrorCode.PROTOCOL_ERROR, "a malformed STREAM_CREDIT")
            if self._pump is not None:
                if not self._pump.grant(n):
                    self._broke_rules(ErrorCode.PROTOCOL_ERROR, "credit above 2^32 - 1")
            elif self._early_credit + n > MAX_CREDIT:
                self._broke_rules(ErrorCode.PROTOCOL_ERROR, "credit above 2^32 - 1")
            else:
                self._early_credit += n

    def _broke_rules(self, code: int, message: str) -> None:
        """A caller's stream frame broke the rules of docs/wire.md §1.5: the stream ends with an
        ERROR with `code`, and the handler is cancelled."""
        self._conn.counters.rejected_frames += 1
        self.break_off(InteropError(code, f"{self._target}: {message}"))

    def break_off(self, problem: InteropError) -> None:
        if self._done:
            return
        self._done = True
        conn = self._conn
        task = conn._handling.pop(self._cid, None)
        if task is not None:
            task.cancel()
        conn._send_error(self._cid, self._target, problem, self._codec)


__all__ = ["OutgoingStream", "ServedStream", "StreamSide", "decode_item", "read_credit", "stream_flags"]
