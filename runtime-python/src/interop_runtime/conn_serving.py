"""The serving side of a Connection: the peer's exchanges with the modules this side implements
(docs/wire.md §1.1, §5, §6, §7).

A REQUEST runs its handler in a task of its own under the caller's deadline, at most
max_in_flight of them (one-way calls being run share that budget); its answer waits for the
transport keeping its slot, and a CANCEL or a passed deadline cancels it and sends nothing more. A
SUBSCRIBE registers the peer's subscription, whose events `send_event` writes or holds in the
bounded event backlog; an UNSUBSCRIBE, or a CANCEL with the SUBSCRIBE's id (the peer gave up on
it), withdraws it. The control channel's members answer with plain JSON documents."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any, cast

from .call_errors import declared_error, invalid_declared_error, invalid_result
from .codec.type_codec import CodecName
from .conn_core import Served, SubscriptionHook
from .conn_outbound import Outbound
from .errors import ApplicationError, ErrorCode, InteropError
from .frames import (FLAG_STREAM_IN, FLAG_STREAM_OUT, CodecId, Frame, FrameKind, codec_id, codec_name, encode_frame,
                     split_target)
from .handshake import CONTROL_MODULE, canonical_json
from .module import CallContext, EventDescriptor, FunctionDescriptor, ModuleDescriptor

if TYPE_CHECKING:
    from .connection import Connection

log = logging.getLogger("interop.connection")


class ServingSide(Outbound):
    """Runs the peer's requests and one-way calls, and publishes events to its subscriptions."""

    def _setup(self) -> None:
        super()._setup()
        #: Targets ("module.event" or "module.*") the peer subscribed to on this link.
        self.remote_subscriptions: dict[str, CodecName] = {}
        self.on_subscriptions_changed: SubscriptionHook | None = None
        #: The peer's subscriptions by the correlation id of the SUBSCRIBE that registered them
        #: (the latest for each target): a CANCEL with that id withdraws it (docs/wire.md §1.1).
        #: An id stops naming its subscription when that ends, and when the peer starts another
        #: exchange (REQUEST, SUBSCRIBE, PING, accepted or refused) with it.
        self._subscribe_ids: dict[int, str] = {}
        self._handling: dict[int, asyncio.Task[None]] = {}
        self._oneway_tasks: set[asyncio.Task[None]] = set()

    def _teardown(self, reason: InteropError) -> None:
        super()._teardown(reason)
        for task in list(self._handling.values()) + list(self._oneway_tasks):
            task.cancel()
        self._subscribe_ids.clear()

    # ---- requests -------------------------------------------------------------------------------

    def _resolve(self, frame: Frame) -> tuple[Served, FunctionDescriptor] | InteropError:
        parts = split_target(frame.target)
        if parts is None:
            return InteropError(ErrorCode.NOT_FOUND, f"bad target {frame.target!r}")
        served = self.served.get(parts[0])
        if served is None:
            return InteropError(ErrorCode.NOT_FOUND, f"module {parts[0]} is not served here")
        fn = served.module.functions.get(parts[1])
        if fn is None:
            return InteropError(ErrorCode.UNIMPLEMENTED, f"{frame.target}: no such function")
        return served, fn

    def _on_request(self, frame: Frame) -> None:
        codec = codec_name(frame.codec) or "json"
        cid = frame.correlation
        if self._subscribe_ids:
            # A new exchange with this id: the SUBSCRIBE that had it is over, and a CANCEL with it
            # is about this request.
            self._subscribe_ids.pop(cid, None)
        if cid in self._handling:
            self._send_error(cid, frame.target, InteropError(ErrorCode.PROTOCOL_ERROR, f"correlation {cid} already in use"), codec)
            return
        if len(self._handling) + len(self._oneway_tasks) >= self.limits.max_in_flight:
            # One-way calls being run share the budget: a peer cannot start unbounded work.
            self.counters.rejected_requests += 1
            self._send_error(cid, frame.target, InteropError(
                ErrorCode.RESOURCE_EXHAUSTED, f"more than max_in_flight {self.limits.max_in_flight} requests"), codec)
            return
        if frame.target.startswith(CONTROL_MODULE + ".") and frame.target.count(".") == 2:
            self._on_control(frame)
            return
        resolved = self._resolve(frame)
        if isinstance(resolved, InteropError):
            self._send_error(cid, frame.target, resolved, codec)
            return
        served, fn = resolved
        # A stream's REQUEST names its directions; they must be the function's (docs/wire.md §1.5).
        directions = frame.flags & (FLAG_STREAM_IN | FLAG_STREAM_OUT)
        wanted = (FLAG_STREAM_IN if fn.input is not None else 0) | (FLAG_STREAM_OUT if fn.output is not None else 0)
        if fn.kind != ("stream" if directions else "call") or directions != wanted:
            sent_as = "stream" if directions else "call"
            problem = f"{frame.target} is a {fn.kind} function, sent as {sent_as}" if fn.kind != sent_as else \
                f"{frame.target}: the REQUEST's stream directions do not match the function's"
            self._send_error(cid, frame.target, InteropError(ErrorCode.INVALID_ARGUMENT, problem), codec)
            return
        if frame.codec == CodecId.NONE and frame.payload:
            self._send_error(cid, frame.target, InteropError(ErrorCode.PROTOCOL_ERROR, "payload with codec none"), "json")
            return
        try:
            # An empty payload is an empty parameter struct only in protobuf and flatbuffers (wire.md §3.5, §3.6).
            args = fn.params.decode(frame.payload, codec, self.limits.max_depth) if frame.payload or codec in ("protobuf", "flatbuffers") else ()
        except InteropError as e:
            self._send_error(cid, frame.target, e, codec)
            return
        if fn.kind == "stream":
            self._serve_stream(frame, served, fn, args, codec)
            return
        deadline = time.monotonic() + frame.timeout_ms / 1000 if frame.timeout_ms else None
        ctx = CallContext(peer=self.peer, deadline=deadline)
        task = asyncio.get_running_loop().create_task(self._serve(cid, frame.target, codec, served, fn, args, ctx))
        self._handling[cid] = task

    def _serve_stream(self, frame: Frame, served: Served, fn: FunctionDescriptor, args: tuple[Any, ...],
                      codec: CodecName) -> None:
        """Runs an accepted stream (conn_streams.StreamSide)."""
        raise NotImplementedError

    async def _serve(self, cid: int, target: str, codec: CodecName, served: Served, fn: FunctionDescriptor,
                     args: tuple[Any, ...], ctx: CallContext) -> None:
        try:
            failure: Exception | None = None
            payload = b""
            scope: asyncio.Timeout | None = None
            try:
                method = getattr(served.handlers, fn.method)
                if ctx.deadline is None:
                    result = await method(*args, ctx)
                else:
                    # The handler runs in this task under a timer that cancels it at the deadline
                    # (asyncio.wait_for would run it in one more task: two more loop turns).
                    left = ctx.deadline - time.monotonic()
                    if left <= 0:
                        return  # the caller has given up already: the handler is not started
                    async with asyncio.timeout(left) as scope:
                        result = await method(*args, ctx)
            except TimeoutError as e:
                if scope is not None and scope.expired():
                    return  # the caller has given up: send nothing more for this id
                self.counters.handler_errors += 1  # the handler's own TimeoutError: it failed
                failure = e
            except asyncio.CancelledError:
                return
            except Exception as e:
                self.counters.handler_errors += 1
                failure = e
            else:
                if fn.result is not None:
                    try:
                        payload = fn.result.encode(result, codec)
                    except InteropError as e:
                        self.counters.handler_errors += 1
                        failure = invalid_result(fn, e)
            if self._handling.get(cid) is not asyncio.current_task():
                return
            if not self._writable_now():
                # The peer is not reading: the answer waits here and keeps its in-flight slot, so
                # the peer's further requests are refused rather than answered into a full buffer.
                remaining = None if ctx.deadline is None else max(0.0, ctx.deadline - time.monotonic())
                try:
                    await asyncio.wait_for(self._writable(), remaining)
                except (TimeoutError, asyncio.CancelledError):
                    return  # the caller's deadline passed, or it cancelled: it waits no more
                if self.closed or self._handling.get(cid) is not asyncio.current_task():
                    return
            if failure is not None:
                self._send_failure(cid, target, codec, served.module, fn, failure)
                return
            self.counters.requests_served += 1
            # In the request's codec even when empty (§1.2), so equal frames are equal bytes.
            self._send(Frame(FrameKind.RESPONSE, codec_id(codec), cid, target, payload))
        finally:
            if self._handling.get(cid) is asyncio.current_task():
                del self._handling[cid]

    def _send_failure(self, cid: int, target: str, codec: CodecName, module: ModuleDescriptor,
                      fn: FunctionDescriptor, error: Exception) -> None:
        if isinstance(error, ApplicationError):
            desc = declared_error(module, fn, error)
            if desc is None:
                self._send_error(cid, target, InteropError(ErrorCode.INTERNAL, f"undeclared error {error}"), codec)
                return
            try:
                desc.codec.validate(error)
            except InteropError as e:
                self._send_error(cid, target, invalid_declared_error(fn, desc.name, e), codec)
                return
            self._send_error(cid, target, error, codec, (error, desc.codec))
        elif isinstance(error, InteropError):
            self._send_error(cid, target, error, codec)
        else:
            log.warning("handler %s raised %r", target, error)
            self._send_error(cid, target, InteropError(ErrorCode.INTERNAL, f"{type(error).__name__}: {error}"), codec)

    def _on_cancel(self, frame: Frame) -> None:
        cid = frame.correlation
        task = self._handling.pop(cid, None)
        if task is not None:
            task.cancel()  # sends nothing more for that id
            return
        withdrawn = self._withdraw_answer(cid)
        target = self._subscribe_ids.pop(cid, None) if self._subscribe_ids else None
        if target is not None:
            # A SUBSCRIBE the peer gave up on (it timed out there): it leaves nothing behind.
            self._unregister(target)
        elif not withdrawn:
            self.counters.late_cancels += 1

    def _on_oneway(self, frame: Frame) -> None:
        if len(self._handling) + len(self._oneway_tasks) >= self.limits.max_in_flight:
            # Nothing to answer: the excess is dropped and counted (docs/wire.md §5).
            self.counters.dropped_oneways += 1
            log.debug("ONEWAY %s: more than max_in_flight %d calls running", frame.target, self.limits.max_in_flight)
            return
        resolved = self._resolve(frame)
        if isinstance(resolved, InteropError):
            self.counters.dropped_oneways += 1
            log.debug("ONEWAY %s: %s", frame.target, resolved)
            return
        served, fn = resolved
        codec = codec_name(frame.codec) or "json"
        try:
            # An empty payload is an empty parameter struct only in protobuf and flatbuffers (wire.md §3.5, §3.6).
            args = fn.params.decode(frame.payload, codec, self.limits.max_depth) if frame.payload or codec in ("protobuf", "flatbuffers") else ()
        except InteropError as e:
            self.counters.dropped_oneways += 1
            log.debug("ONEWAY %s: %s", frame.target, e)
            return

        async def run() -> None:
            try:
                await getattr(served.handlers, fn.method)(*args, CallContext(peer=self.peer))
            except asyncio.CancelledError:
                pass
            except Exception:
                self.counters.handler_errors += 1
                log.exception("one-way handler %s failed", frame.target)

        task = asyncio.get_running_loop().create_task(run())
        self._oneway_tasks.add(task)
        task.add_done_callback(self._oneway_tasks.discard)

    def _on_control(self, frame: Frame) -> None:
        member = frame.target.rsplit(".", 1)[1]
        if self.control is None or member not in ("manifest", "health"):
            self._send_error(frame.correlation, frame.target, InteropError(ErrorCode.UNIMPLEMENTED, f"{frame.target}: no such function"), "json")
            return
        doc = self.control(member)
        self._answer(Frame(FrameKind.RESPONSE, CodecId.JSON, frame.correlation, frame.target, canonical_json(doc)))

    # ---- the peer's subscriptions ---------------------------------------------------------------

    def _on_subscribe(self, frame: Frame) -> None:
        if self._subscribe_ids:
            self._subscribe_ids.pop(frame.correlation, None)  # an earlier SUBSCRIBE's id, reused
        parts = split_target(frame.target)
        served = self.served.get(parts[0]) if parts else None
        if parts is None or served is None or (parts[1] != "*" and parts[1] not in served.module.events):
            self._send_error(frame.correlation, frame.target, InteropError(ErrorCode.NOT_FOUND, f"no event {frame.target}"),
                             codec_name(frame.codec) or "json")
            return
        codec = codec_name(frame.codec) or self.send_codec
        self.remote_subscriptions[frame.target] = codec
        self._forget_subscribe_ids(frame.target)
        self._subscribe_ids[frame.correlation] = frame.target
        self._answer(Frame(FrameKind.RESPONSE, codec_id(codec), frame.correlation, frame.target))
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed(cast("Connection", self))

    def _on_unsubscribe(self, frame: Frame) -> None:
        self._unregister(frame.target)

    def _unregister(self, target: str) -> None:
        """The peer's subscription to `target` ends: nothing more is sent for it, not even the
        events that wait for the transport."""
        self.remote_subscriptions.pop(target, None)
        self._forget_subscribe_ids(target)
        self._drop_backlog(target)
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed(cast("Connection", self))

    def _forget_subscribe_ids(self, target: str) -> None:
        """No earlier SUBSCRIBE's id stands for the subscription to `target` any more."""
        if self._subscribe_ids:
            for cid in [c for c, t in self._subscribe_ids.items() if t == target]:
                del self._subscribe_ids[cid]

    def wants_event(self, module: str, event: str) -> bool:
        subs = self.remote_subscriptions
        return f"{module}.{event}" in subs or f"{module}.*" in subs

    def send_event(self, module: ModuleDescriptor, event: EventDescriptor, payload: Any,
                   encoded: dict[CodecName, bytes] | None = None) -> None:
        """Sends one EVENT if the peer subscribed to it (the node host calls this; `encoded`
        caches the payload per codec across connections). Never waits: while the transport is
        congested the event joins its subscription's queue of at most max_event_queue events,
        and the policy discards (and counts) one when it is full."""
        if self.closed:
            return
        subs = self.remote_subscriptions
        target = f"{module.name}.{event.name}"
        key = target if target in subs else f"{module.name}.*"
        codec = subs.get(key)
        if codec is None:
            return
        if not self._event_room(key):
            return  # drop_newest, and block: publish() cannot wait
        data = encoded.get(codec) if encoded is not None else None
        if data is None:
            try:
                data = b"" if event.payload is None else event.payload.encode(payload, codec)
            except Exception as e:  # the publisher passed a value its event type cannot hold
                self.counters.unencodable_events += 1
                log.debug("cannot encode EVENT %s: %s", target, e)
                return
            if encoded is not None:
                encoded[codec] = data
        # In the subscription's codec, also when the payload is empty (docs/wire.md §1.2).
        self._write_event(key, encode_frame(Frame(FrameKind.EVENT, codec_id(codec), 0, target, data)))


__all__ = ["ServingSide"]
