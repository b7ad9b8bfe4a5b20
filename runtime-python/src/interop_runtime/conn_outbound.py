"""What a Connection writes, and what waits while the peer does not read (docs/wire.md §5).

A frame is written at once when nothing waits and the transport is not congested; otherwise it
joins the outbox, in order, and one flusher task writes it once the transport drains. Outbox
entries are of three kinds: answers the read loop gives (PONG, refusals, acknowledgements, control
documents), counted against the peer; one-way calls, bounded by max_in_flight; the rest (CANCEL,
UNSUBSCRIBE, GOODBYE), bounded by what they refer to. Events for the peer's subscriptions wait
apart, in one bounded queue per subscription (the event backlog), and go out after the outbox in
the order they were published."""

from __future__ import annotations

import asyncio
import collections
from dataclasses import dataclass
from typing import Any

from .codec.type_codec import CodecName
from .conn_core import ConnectionCore
from .envelope import encode_envelope
from .errors import ApplicationError, ErrorCode, InteropError
from .frames import CodecId, Frame, FrameKind, codec_id, encode_frame

#: Outbox entry kinds: what the read loop answers (counted against the peer), one-way calls
#: (bounded), and the rest (CANCEL, UNSUBSCRIBE, GOODBYE: bounded by what they refer to).
ANSWER, ONEWAY, OTHER = 0, 1, 2


@dataclass(slots=True)
class Held:
    kind: int
    correlation: int
    data: bytes | None  # None: withdrawn (the peer cancelled the exchange it answers)


class Outbound(ConnectionCore):
    """The outbox, the event backlog and their flusher."""

    def _setup(self) -> None:
        super()._setup()
        #: Frames that could not be written at once because the transport was congested.
        self._outbox: collections.deque[Held] = collections.deque()
        self._held_answers = 0
        self._held_oneways = 0
        #: Set while the outbox is empty; request and response writers wait for it.
        self._outbox_idle = asyncio.Event()
        self._outbox_idle.set()
        #: Set while at most max_in_flight answers wait; the read loop waits for it.
        self._answers_room = asyncio.Event()
        self._answers_room.set()
        #: Events for the peer's subscriptions waiting for the transport, per subscription key
        #: ("module.event" or "module.*"), as (publish sequence, encoded frame).
        self._backlog: dict[str, collections.deque[tuple[int, bytes]]] = {}
        self._backlog_len = 0
        self._event_seq = 0
        #: Events discarded for the peer's subscriptions, per subscription key.
        self.outbound_dropped: dict[str, int] = {}
        self._flusher: asyncio.Task[None] | None = None

    def _teardown(self, reason: InteropError) -> None:
        super()._teardown(reason)
        self._outbox.clear()
        self._held_answers = self._held_oneways = 0
        self._backlog.clear()
        self._backlog_len = 0
        self._outbox_idle.set()  # wakes writers; they see the connection closed
        self._answers_room.set()
        if self._flusher is not None and self._flusher is not asyncio.current_task():
            self._flusher.cancel()

    # ---- writing --------------------------------------------------------------------------------

    def _send(self, frame: Frame, kind: int = OTHER) -> None:
        """Writes a frame at once, or, while the transport is congested or frames already wait,
        puts it in the outbox (in order) for the flusher."""
        if self.closed:
            return
        data = encode_frame(frame)
        if not self._outbox and not self.transport.congested():
            self._write(data)
            return
        self._outbox.append(Held(kind, frame.correlation, data))
        self._outbox_idle.clear()
        if kind == ANSWER:
            self._held_answers += 1
            if self._held_answers > self.limits.max_in_flight:
                self._answers_room.clear()
        elif kind == ONEWAY:
            self._held_oneways += 1
        self._start_flusher()

    def _write(self, data: bytes) -> None:
        self._wrote = True
        self.transport.write(data)

    def _answer(self, frame: Frame) -> None:
        """A frame the read loop sends in answer to the peer's (PONG, refusals, acknowledgements)."""
        self._send(frame, ANSWER)

    def _send_error(self, correlation: int, target: str, error: InteropError, codec: CodecName,
                    detail: tuple[ApplicationError, Any] | None = None) -> None:
        if detail is not None:
            payload = encode_envelope(error.code, error.message, codec, detail[0], detail[1])
        else:
            payload = encode_envelope(error.code, error.message, codec)
        self._answer(Frame(FrameKind.ERROR, codec_id(codec), correlation, target, payload))

    def _connection_error(self, error: InteropError) -> None:
        """A connection-level ERROR (correlation 0, empty target, JSON), then close. Written past
        the outbox: the transport sends what it buffered before it closes."""
        if not self.closed:
            payload = encode_envelope(error.code, error.message, "json")
            self._write(encode_frame(Frame(FrameKind.ERROR, CodecId.JSON, 0, "", payload)))
        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"connection closed: {error}"))

    def _withdraw_answer(self, correlation: int) -> bool:
        """The peer cancelled an exchange whose answer still waits in the outbox: drop it."""
        if not self._held_answers:
            return False
        for held in self._outbox:
            if held.kind == ANSWER and held.correlation == correlation and held.data is not None:
                held.data = None
                self._held_answers -= 1
                if self._held_answers <= self.limits.max_in_flight:
                    self._answers_room.set()
                return True
        return False

    # ---- waiting for the peer to read -----------------------------------------------------------

    def _writable_now(self) -> bool:
        return not self._outbox and not self.transport.congested()

    async def _writable(self) -> None:
        """Waits until a frame may be written at once: the outbox is empty and the transport is
        not congested (or the connection closed)."""
        while not self.closed and not self._writable_now():
            if self._outbox:
                self._start_flusher()
                await self._outbox_idle.wait()
            else:
                await self._drain()

    async def _drain(self) -> None:
        await self.transport.drain()
        if self.transport.congested() and not self.closed:
            await asyncio.sleep(0.001)  # a transport whose drain() returned early: do not spin

    def _start_flusher(self) -> None:
        if self._flusher is None and not self.closed:
            self._flusher = asyncio.get_running_loop().create_task(self._flush(), name=f"flush {self.transport.description}")

    async def _flush(self) -> None:
        """Writes what waits, oldest first: the outbox, then the events of every subscription in
        the order they were published; each frame only while the transport is not congested."""
        try:
            while not self.closed:
                if self.transport.congested():
                    await self._drain()
                    continue
                if self._outbox:
                    held = self._outbox.popleft()
                    if held.kind == ANSWER and held.data is not None:
                        self._held_answers -= 1
                        if self._held_answers <= self.limits.max_in_flight:
                            self._answers_room.set()
                    elif held.kind == ONEWAY:
                        self._held_oneways -= 1
                    if held.data is not None:
                        self._write(held.data)
                    if not self._outbox:
                        self._outbox_idle.set()
                    continue
                if self._backlog_len:
                    key = min(self._backlog, key=lambda k: self._backlog[k][0][0])
                    queue = self._backlog[key]
                    self._write(queue.popleft()[1])
                    self._backlog_len -= 1
                    if not queue:
                        del self._backlog[key]
                    continue
                return
        except asyncio.CancelledError:
            pass
        finally:
            if self._flusher is asyncio.current_task():
                self._flusher = None

    # ---- the event backlog ----------------------------------------------------------------------

    def _event_room(self, key: str) -> bool:
        """Before an event for subscription `key` is encoded: when max_event_queue events already
        wait for it, counts a drop and makes room (drop_oldest) or says to discard the arriving
        event (False: drop_newest, and block, since publishing never waits)."""
        backlog = self._backlog.get(key)
        if backlog is not None and len(backlog) >= self.limits.max_event_queue:
            self.counters.dropped_events += 1
            self.outbound_dropped[key] = self.outbound_dropped.get(key, 0) + 1
            if self.limits.event_queue_policy != "drop_oldest":
                return False
            backlog.popleft()
            self._backlog_len -= 1
            if not backlog:
                # The arriving event may still fail to encode; an empty queue left here would
                # break the flusher, which reads the head of every queue.
                del self._backlog[key]
        return True

    def _write_event(self, key: str, frame: bytes) -> None:
        """Writes an encoded EVENT frame at once, or queues it behind what waits for `key`."""
        if not self._backlog_len and not self.transport.congested():
            self._write(frame)
            return
        backlog = self._backlog.get(key)
        if backlog is None:
            backlog = self._backlog[key] = collections.deque()
        self._event_seq += 1
        backlog.append((self._event_seq, frame))
        self._backlog_len += 1
        self._start_flusher()

    def _drop_backlog(self, key: str) -> None:
        """The peer no longer wants the events that wait for subscription `key`."""
        dropped = self._backlog.pop(key, None)
        if dropped:
            self._backlog_len -= len(dropped)

    def outbound_queued(self) -> int:
        """Events waiting for the transport, over every subscription of the peer."""
        return self._backlog_len


__all__ = ["ANSWER", "Held", "ONEWAY", "OTHER", "Outbound"]
