"""The calling side of a Connection: this side's exchanges with the peer (docs/wire.md §1.1, §6).

REQUEST, SUBSCRIBE and PING each take one of max_in_flight slots, get a correlation id from this
side's id space, wait (within their deadline) while the peer does not read what we sent, and wait
for their answer under one timer; a deadline that passes, or a caller that cancels, sends CANCEL
and drops the late answer. ONEWAY calls wait in the outbox, at most max_in_flight of them. The
events of this side's subscriptions arrive here and go to their bounded queues."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from .conn_outbound import ONEWAY, Outbound
from .envelope import decode_envelope, error_from_envelope
from .errors import ErrorCode, InteropError
from .events import EventQueue
from .frames import CodecId, Frame, FrameKind, codec_id, codec_name, split_target
from .module import CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor

log = logging.getLogger("interop.connection")


@dataclass(slots=True)
class LocalSubscription:
    """This side's subscription to one of the peer's events, with its bounded queue."""

    conn: CallerSide
    target: str
    queue: EventQueue
    descriptor: EventDescriptor

    @property
    def dropped(self) -> int:
        return self.queue.dropped

    async def unsubscribe(self) -> None:
        await self.conn._unsubscribe(self)


@dataclass(slots=True)
class Pending:
    future: asyncio.Future[Frame]
    target: str


def _expire(future: asyncio.Future[Any]) -> None:
    """A call's deadline passed before its answer arrived."""
    if not future.done():
        future.set_exception(TimeoutError())


class CallerSide(Outbound):
    """Implements the runtime's Invoker: call, oneway, subscribe, and ping."""

    def _setup(self) -> None:
        super()._setup()
        self._next_id = 0
        self._pending: dict[int, Pending] = {}
        self._slots = asyncio.Semaphore(self.limits.max_in_flight)
        self._local_subs: dict[str, list[LocalSubscription]] = {}
        #: target → the answer to the SUBSCRIBE on its way for it (the one a second subscription waits for).
        self._subscribing: dict[str, asyncio.Future[None]] = {}
        #: (queue, event) puts the read loop must await before reading on (`block` policy).
        self._blocked: list[tuple[EventQueue, Any]] = []

    def _teardown(self, reason: InteropError) -> None:
        super()._teardown(reason)
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(InteropError(reason.code, reason.message))
        self._pending.clear()
        for subs in self._local_subs.values():
            for sub in subs:
                self.counters.dropped_events += sub.queue.close(lost=True)
        self._local_subs.clear()
        self._blocked.clear()

    # ---- Invoker --------------------------------------------------------------------------------

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        self._check_open()
        self.versions.check(module, "function", fn.name)  # docs/wire.md §2.2: before anything is sent
        timeout_ms = options.timeout_ms if options and options.timeout_ms is not None else self.limits.default_deadline_ms
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        target = f"{module.name}.{fn.name}"
        codec = self.codec_for(target)
        payload = fn.params.encode(args, codec)
        frame = await self._exchange(FrameKind.REQUEST, target, codec_id(codec), payload, deadline)
        if frame.kind == FrameKind.ERROR:
            raise self._error_of(frame, module)
        if fn.result is None:
            return None
        reply_codec = codec_name(frame.codec) or codec
        return fn.result.decode(frame.payload, reply_codec, self.limits.max_depth)

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None:
        """Sends a ONEWAY, or holds it while the peer is not reading; raises RESOURCE_EXHAUSTED
        when max_in_flight one-way calls already wait (one-way calls cannot wait: no await)."""
        self._check_open()
        self.versions.check(module, "function", fn.name)
        target = f"{module.name}.{fn.name}"
        if self._held_oneways >= self.limits.max_in_flight and not self._writable_now():
            raise InteropError(ErrorCode.RESOURCE_EXHAUSTED,
                               f"{target}: {self._held_oneways} one-way calls already wait for {self.peer or 'the peer'} to read")
        codec = self.codec_for(target)
        self._send(Frame(FrameKind.ONEWAY, codec_id(codec), 0, target, fn.params.encode(args, codec)), ONEWAY)

    async def subscribe(self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler) -> LocalSubscription:
        """A SUBSCRIBE goes out only when no subscription of ours to the event stands on this
        connection: a second one shares it (one UNSUBSCRIBE when the last goes, as in TS), so a
        SUBSCRIBE that times out, whose CANCEL withdraws the peer's subscription (docs/wire.md
        §6), never takes one that stands with it."""
        self._check_open()
        self.versions.check(module, "event", event.name)
        target = f"{module.name}.{event.name}"
        queue = EventQueue(self.limits.max_event_queue, self.limits.event_queue_policy, handler, target,
                           on_error=self._count_event_handler_error)
        sub = LocalSubscription(self, target, queue, event)
        pending = self._subscribing.get(target)
        standing = bool(self._local_subs.get(target))
        # Registered before the SUBSCRIBE is answered: an EVENT read together with the RESPONSE (in
        # the same read, before this coroutine resumes) reaches it (docs/wire.md §1.1).
        self._local_subs.setdefault(target, []).append(sub)
        try:
            if pending is not None:  # the SUBSCRIBE that another subscription sent: its answer is ours
                await asyncio.shield(pending)
            elif standing:
                self._check_open()  # as a SUBSCRIBE would: not after a GOODBYE
            else:
                answered = self._subscribing[target] = asyncio.get_running_loop().create_future()
                answered.add_done_callback(lambda f: f.cancelled() or f.exception())  # retrieved: no warning
                try:
                    deadline = time.monotonic() + self.limits.default_deadline_ms / 1000
                    # The SUBSCRIBE's codec names the codec we want the events in.
                    reply = await self._exchange(FrameKind.SUBSCRIBE, target, codec_id(self.codec_for(target)), b"", deadline)
                    if reply.kind == FrameKind.ERROR:
                        raise self._error_of(reply, None)
                    answered.set_result(None)
                except BaseException as e:
                    answered.set_exception(e if isinstance(e, Exception) else InteropError(ErrorCode.CANCELLED, "subscribe cancelled"))
                    raise
                finally:
                    del self._subscribing[target]
        except BaseException:
            subs = self._local_subs.get(target, [])
            if sub in subs:
                subs.remove(sub)
            if not subs:
                self._local_subs.pop(target, None)
            queue.close()
            raise
        return sub

    async def ping(self, timeout_ms: int | None = None, payload: bytes = b"") -> float:
        """Round trip time in seconds."""
        start = time.monotonic()
        ms = self.limits.default_deadline_ms if timeout_ms is None else timeout_ms
        reply = await self._exchange(FrameKind.PING, "", CodecId.NONE, payload, start + ms / 1000)
        if reply.payload != payload:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, "PONG did not echo the PING payload")
        return time.monotonic() - start

    # ---- exchanges ------------------------------------------------------------------------------

    def _new_id(self) -> int:
        while True:
            self._next_id = (self._next_id % 0xFFFFFFFF) + 1  # wraps around, skipping 0
            if self._next_id not in self._pending:
                return self._next_id

    async def _exchange(self, kind: FrameKind, target: str, codec: CodecId, payload: bytes,
                        deadline: float | None) -> Frame:
        """Sends a request-like frame under a free in-flight slot and waits for its answer."""
        self._check_open()
        if not self._slots.locked():
            await self._slots.acquire()  # a free slot: taken at once, without wait_for's task
        else:
            slot_wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                await asyncio.wait_for(self._slots.acquire(), slot_wait)
            except TimeoutError:
                raise InteropError(ErrorCode.DEADLINE_EXCEEDED, f"{target}: no free in-flight slot before the deadline") from None
        try:
            self._check_open()
            if not self._writable_now():
                # The peer is not reading what we sent: wait (within the deadline) rather than buffer.
                try:
                    await asyncio.wait_for(self._writable(), None if deadline is None else max(0.0, deadline - time.monotonic()))
                except TimeoutError:
                    raise InteropError(ErrorCode.DEADLINE_EXCEEDED,
                                       f"{target}: the peer read nothing more before the deadline") from None
                self._check_open()
            cid = self._new_id()
            future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
            self._pending[cid] = Pending(future, target)
            remaining_ms = 0 if deadline is None else max(1, int((deadline - time.monotonic()) * 1000))
            self._send(Frame(kind, codec, cid, target, payload,
                             timeout_ms=remaining_ms if kind == FrameKind.REQUEST else 0))
            try:
                if deadline is None:
                    return await future
                # What asyncio.wait_for(future, remaining) does, with one timer and no extra future.
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError
                timer = asyncio.get_running_loop().call_later(remaining, _expire, future)
                try:
                    return await future
                finally:
                    timer.cancel()
            except TimeoutError:
                self._cancel_remote(cid)
                raise InteropError(ErrorCode.DEADLINE_EXCEEDED, f"{target}: deadline exceeded") from None
            except asyncio.CancelledError:
                self._cancel_remote(cid)  # the caller cancelled: tell the server, drop late replies
                raise
        finally:
            self._slots.release()

    def _cancel_remote(self, cid: int) -> None:
        if self._pending.pop(cid, None) is not None:
            self._send(Frame(FrameKind.CANCEL, CodecId.NONE, cid))

    def _on_answer(self, frame: Frame) -> None:
        """A RESPONSE, ERROR or PONG for one of our exchanges (correlation not 0)."""
        pending = self._pending.pop(frame.correlation, None)
        if pending is None or pending.future.done():
            self.counters.late_responses += 1  # late (timed out, cancelled): never answer it
            log.debug("dropped %s for unknown correlation %d", frame.kind.name, frame.correlation)
            return
        pending.future.set_result(frame)

    def _fail_exchange(self, correlation: int, problem: InteropError) -> bool:
        """An answer to exchange `correlation` was malformed: fail the exchange with `problem`
        (docs/wire.md §1.4). False when no exchange of ours waits for that id."""
        pending = self._pending.pop(correlation, None)
        if pending is not None and not pending.future.done():
            pending.future.set_exception(problem)
            return True
        return False

    def _error_of(self, frame: Frame, module: ModuleDescriptor | None) -> InteropError:
        codec = codec_name(frame.codec) or "json"
        try:
            env = decode_envelope(frame.payload, codec, self.limits.max_depth)
        except InteropError as e:
            return InteropError(ErrorCode.UNKNOWN, f"undecodable error envelope: {e.message}")
        known = {name: (d.cls, d.codec) for name, d in module.errors.items()} if module else {}
        return error_from_envelope(env, codec, self.limits.max_depth, known)

    # ---- our subscriptions ----------------------------------------------------------------------

    def _count_event_handler_error(self) -> None:
        self.counters.event_handler_errors += 1

    async def _unsubscribe(self, sub: LocalSubscription) -> None:
        subs = self._local_subs.get(sub.target, [])
        if sub in subs:
            subs.remove(sub)
        sub.queue.close()
        if not subs:
            self._local_subs.pop(sub.target, None)
            if not self.closed:
                self._send(Frame(FrameKind.UNSUBSCRIBE, CodecId.NONE, 0, sub.target))

    def _on_event(self, frame: Frame) -> None:
        parts = split_target(frame.target)
        subs = list(self._local_subs.get(frame.target, []))
        if parts is not None:
            subs += self._local_subs.get(parts[0] + ".*", [])
        if not subs:
            self.counters.unsolicited_events += 1
            return
        codec = codec_name(frame.codec) or "json"
        for sub in subs:
            desc = sub.descriptor
            try:
                value = None if desc.payload is None else desc.payload.decode(frame.payload, codec, self.limits.max_depth)
            except InteropError as e:
                self.counters.undecodable_events += 1
                log.debug("EVENT %s does not decode: %s", frame.target, e)
                return
            queue = sub.queue
            if queue.blocks and queue.full:
                self._blocked.append((queue, value))  # the read loop waits for room, then queues it
                continue
            before = queue.dropped
            queue.put_nowait(value)
            self.counters.dropped_events += queue.dropped - before

    async def _wait_blocked(self) -> None:
        """A `block` subscription's queue is full: reading stops until it has room (wire.md §5)."""
        self.counters.paused_reads += 1
        blocked, self._blocked = self._blocked, []
        for queue, value in blocked:
            await queue.put(value)


__all__ = ["CallerSide", "LocalSubscription", "Pending"]
