"""One link to one peer over a ByteTransport: handshake, correlation of requests and responses,
deadlines, cancellation, max_in_flight both ways, subscriptions with bounded queues, ping,
goodbye, and UNAVAILABLE for every pending call when the peer dies (docs/wire.md §1, §2, §4-§6).

Both sides may start exchanges: each keeps its own correlation id space.

Flow control (docs/wire.md §5, docs/config.md "Limits and event queues"): a peer that does not
read cannot make this side buffer without bound. While the transport is congested (more than its
high-water mark unsent):
- a REQUEST (also SUBSCRIBE, PING) waits before it is written, within its deadline; the number of
  them is bounded by max_in_flight;
- a RESPONSE or ERROR of a handler waits in the handler's task, which keeps its in-flight slot, so
  the peer's further requests are refused with RESOURCE_EXHAUSTED;
- EVENTs for the peer's subscriptions wait in one queue per subscription of at most
  max_event_queue, with the event_queue_policy (block drops the newest: publish() never waits);
  every drop is counted in dropped_events;
- what the read loop answers by itself (PONG, SUBSCRIBE's RESPONSE, control documents, refusals)
  waits in an outbox; once more than max_in_flight such answers wait, more than a peer that
  keeps to its in-flight limit can have asked for, the read loop stops reading that peer until
  they are sent (counted in paused_reads). A CANCEL withdraws a waiting answer;
- a ONEWAY waits in the outbox too, at most max_in_flight of them; beyond that `oneway()` raises
  RESOURCE_EXHAUSTED at once.
Receiving, a subscription with the `block` policy whose queue is full stops the read loop until
its handler makes room: the transport then holds the publisher (counted in paused_reads)."""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from dataclasses import dataclass, fields
from typing import Any, Callable, Mapping, Sequence

from .codec.type_codec import CodecName
from .envelope import decode_envelope, encode_envelope, error_from_envelope
from .errors import ApplicationError, ErrorCode, InteropError
from .events import EventQueue
from .frames import CodecId, Frame, FrameDecoder, FrameError, FrameKind, codec_id, codec_name, encode_frame, split_target
from .handshake import (
    CONTROL_MODULE, KNOWN_CODECS, Hello, Welcome, canonical_json, check_wants, choose_protocol,
    decode_hello, decode_welcome, encode_hello, encode_welcome,
)
from .limits import DEFAULT_LIMITS, Limits
from .module import CallContext, CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor
from .transport.base import ByteTransport

log = logging.getLogger("interop.connection")

#: Frames that answer an exchange: a problem with one is never answered (docs/wire.md §1.4).
_ANSWERS = frozenset({FrameKind.RESPONSE, FrameKind.ERROR, FrameKind.PONG, FrameKind.CANCEL})
#: Frames with correlation 0 that nobody answers: a bad one is dropped and counted.
_UNANSWERED = frozenset({FrameKind.ONEWAY, FrameKind.EVENT, FrameKind.UNSUBSCRIBE, FrameKind.GOODBYE})


@dataclass(slots=True)
class Served:
    """A module this side implements: its descriptor and the handler object (XHandlers)."""

    module: ModuleDescriptor
    handlers: Any


@dataclass(slots=True)
class Counters:
    """Shared by every connection of a node; reported by the control channel's health. Every
    runtime reports the same counters under the same names (docs/wire.md §7)."""

    #: Requests whose handler's result went out as a RESPONSE.
    requests_served: int = 0
    #: Handlers (calls, one-way calls, direct calls too) that raised.
    handler_errors: int = 0
    #: Subscription handlers that raised (the subscription goes on).
    event_handler_errors: int = 0
    #: REQUESTs refused with RESOURCE_EXHAUSTED: max_in_flight were being handled.
    rejected_requests: int = 0
    #: Malformed frames (docs/wire.md §1, §1.4), streams cut inside a frame, handshake frames
    #: after the handshake.
    rejected_frames: int = 0
    #: Incoming connections whose handshake failed or timed out.
    rejected_handshakes: int = 0
    #: RESPONSE, ERROR or PONG for an exchange this side no longer waits for (timed out, cancelled).
    late_responses: int = 0
    #: CANCEL for an exchange already answered (and whose answer no longer waits to be written).
    late_cancels: int = 0
    #: One-way calls not run (unknown target, payload that does not decode) or not sent (their
    #: link could not connect).
    dropped_oneways: int = 0
    #: Events discarded by a full queue (docs/wire.md §5), subscriber or publisher side.
    dropped_events: int = 0
    #: EVENTs received for no subscription (for example in flight across an UNSUBSCRIBE).
    unsolicited_events: int = 0
    #: EVENTs received whose payload does not decode.
    undecodable_events: int = 0
    #: Published events whose payload could not be encoded for a subscriber.
    unencodable_events: int = 0
    #: Times a connection stopped reading its peer: a `block` subscription's queue was full, or
    #: the peer kept sending requests without reading the answers.
    paused_reads: int = 0

    def to_json(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTER_NAMES}


#: The health counters, in the order docs/wire.md §7 lists them.
COUNTER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Counters))


#: Answers a control-channel member ("manifest", "health") with a plain JSON document.
ControlHandler = Callable[[str], Any]
#: Called when the peer subscribes/unsubscribes (so a node can route its events).
SubscriptionHook = Callable[["Connection"], None]


@dataclass(slots=True)
class _LocalSubscription:
    conn: Connection
    target: str
    queue: EventQueue
    descriptor: EventDescriptor

    @property
    def dropped(self) -> int:
        return self.queue.dropped

    async def unsubscribe(self) -> None:
        await self.conn._unsubscribe(self)


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[Frame]
    target: str


#: Outbox entry kinds: what the read loop answers (counted against the peer), one-way calls
#: (bounded), and the rest (CANCEL, UNSUBSCRIBE, GOODBYE: bounded by what they refer to).
_ANSWER, _ONEWAY, _OTHER = 0, 1, 2


@dataclass(slots=True)
class _Held:
    kind: int
    correlation: int
    data: bytes | None  # None: withdrawn (the peer cancelled the exchange it answers)


def _expire(future: asyncio.Future[Any]) -> None:
    """A call's deadline passed before its answer arrived."""
    if not future.done():
        future.set_exception(TimeoutError())


class Connection:
    """Implements the runtime's Invoker over one link. Create with `Connection.open(...)`."""

    def __init__(
        self, transport: ByteTransport, *, initiator: bool, node: str,
        served: Mapping[str, Served] | None = None, wants: Sequence[ModuleDescriptor] = (),
        codecs: Sequence[CodecName] = KNOWN_CODECS, limits: Limits = DEFAULT_LIMITS,
        token: str | None = None, expected_token: str | None = None,
        control: ControlHandler | None = None, counters: Counters | None = None,
    ) -> None:
        self.transport = transport
        self.initiator = initiator
        self.node = node
        self.served: Mapping[str, Served] = served or {}
        self.wants = list(wants)
        self.codecs = [c for c in codecs if c in KNOWN_CODECS]
        self.limits = limits
        self.token = token
        self.expected_token = expected_token
        self.control = control
        self.counters = counters or Counters()
        self.peer = ""
        #: Codecs the peer can decode; the first of ours it lists is what we send.
        self.peer_codecs: list[CodecName] = []
        self.send_codec: CodecName = self.codecs[0] if self.codecs else "json"
        #: Targets ("module.event" or "module.*") the peer subscribed to on this link.
        self.remote_subscriptions: dict[str, CodecName] = {}
        self.on_subscriptions_changed: SubscriptionHook | None = None
        self._decoder = FrameDecoder(limits.max_frame_bytes, limits.max_target_bytes)
        self._next_id = 0
        self._pending: dict[int, _Pending] = {}
        self._slots = asyncio.Semaphore(limits.max_in_flight)
        self._handling: dict[int, asyncio.Task[None]] = {}
        self._oneway_tasks: set[asyncio.Task[None]] = set()
        self._local_subs: dict[str, list[_LocalSubscription]] = {}
        self._handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._closed = asyncio.Event()
        self._close_reason: InteropError | None = None
        self._goodbye_received = False
        self._goodbye_sent = False
        self._reader: asyncio.Task[None] | None = None
        self.opened_at = time.monotonic()
        # ---- flow control (module docstring) ----
        #: Frames that could not be written at once because the transport was congested.
        self._outbox: collections.deque[_Held] = collections.deque()
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
        #: (queue, event) puts the read loop must await before reading on (`block` policy).
        self._blocked: list[tuple[EventQueue, Any]] = []

    # ---- lifecycle ------------------------------------------------------------------------------

    @classmethod
    async def open(cls, transport: ByteTransport, **kwargs: Any) -> Connection:
        """Runs the handshake (the initiator sends HELLO) and starts serving; raises InteropError
        when the handshake fails (the transport is then closed)."""
        conn = cls(transport, **kwargs)
        conn._reader = asyncio.get_running_loop().create_task(conn._read_loop(), name=f"read {transport.description}")
        if conn.initiator:
            hello = Hello(codecs=list(conn.codecs), node=conn.node, offers=conn._offers(),
                          wants={m.name: m.fingerprint for m in conn.wants}, token=conn.token)
            conn._send(Frame(FrameKind.HELLO, CodecId.JSON, payload=encode_hello(hello)))
        try:
            await asyncio.wait_for(asyncio.shield(conn._handshake), conn.limits.handshake_timeout_ms / 1000)
        except TimeoutError:
            conn._shutdown(InteropError(ErrorCode.UNAVAILABLE, "handshake timed out"))
            raise InteropError(ErrorCode.DEADLINE_EXCEEDED, "handshake timed out") from None
        return conn

    def _offers(self) -> dict[str, str]:
        return {name: s.module.fingerprint for name, s in self.served.items()}

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    @property
    def closing(self) -> bool:
        """Either side said GOODBYE: no new exchanges start (links dial a new connection)."""
        return self._goodbye_received or self._goodbye_sent

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def close(self, reason: str = "", grace_ms: int = 5000) -> None:
        """Clean close: GOODBYE, answer what we accepted, wait (bounded) for our own calls."""
        if self.closed:
            return
        if not self._goodbye_sent:
            self._goodbye_sent = True
            self._send(Frame(FrameKind.GOODBYE, CodecId.NONE, payload=reason.encode()))
        deadline = time.monotonic() + grace_ms / 1000
        while (self._pending or self._handling or self._outbox or self._backlog_len) \
                and time.monotonic() < deadline and not self.closed:
            await asyncio.sleep(0.005)
        if not self.closed:
            await asyncio.wait([asyncio.ensure_future(self.transport.drain())],
                               timeout=max(0.0, deadline - time.monotonic()))
        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"connection closed{': ' + reason if reason else ''}"))

    def _shutdown(self, reason: InteropError) -> None:
        """Fails everything pending with `reason` and closes the transport; idempotent."""
        if self.closed:
            return
        self._close_reason = reason
        self._closed.set()
        if not self._handshake.done():
            self._handshake.set_exception(reason)
            self._handshake.exception()  # mark retrieved: open() may not be waiting any more
        for pending in self._pending.values():
            if not pending.future.done():
                pending.future.set_exception(InteropError(reason.code, reason.message))
        self._pending.clear()
        for task in list(self._handling.values()) + list(self._oneway_tasks):
            task.cancel()
        for subs in self._local_subs.values():
            for sub in subs:
                sub.queue.close()
        self._local_subs.clear()
        self._outbox.clear()
        self._held_answers = self._held_oneways = 0
        self._backlog.clear()
        self._backlog_len = 0
        self._blocked.clear()
        self._outbox_idle.set()  # wakes writers; they see the connection closed
        self._answers_room.set()
        if self._flusher is not None and self._flusher is not asyncio.current_task():
            self._flusher.cancel()
        self.transport.close()
        if self._reader is not None and self._reader is not asyncio.current_task():
            self._reader.cancel()

    # ---- sending --------------------------------------------------------------------------------

    def _send(self, frame: Frame, kind: int = _OTHER) -> None:
        """Writes a frame at once, or, while the transport is congested or frames already wait,
        puts it in the outbox (in order) for the flusher."""
        if self.closed:
            return
        data = encode_frame(frame)
        if not self._outbox and not self.transport.congested():
            self.transport.write(data)
            return
        self._outbox.append(_Held(kind, frame.correlation, data))
        self._outbox_idle.clear()
        if kind == _ANSWER:
            self._held_answers += 1
            if self._held_answers > self.limits.max_in_flight:
                self._answers_room.clear()
        elif kind == _ONEWAY:
            self._held_oneways += 1
        self._start_flusher()

    def _answer(self, frame: Frame) -> None:
        """A frame the read loop sends in answer to the peer's (PONG, refusals, acknowledgements)."""
        self._send(frame, _ANSWER)

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
                    if held.kind == _ANSWER and held.data is not None:
                        self._held_answers -= 1
                        if self._held_answers <= self.limits.max_in_flight:
                            self._answers_room.set()
                    elif held.kind == _ONEWAY:
                        self._held_oneways -= 1
                    if held.data is not None:
                        self.transport.write(held.data)
                    if not self._outbox:
                        self._outbox_idle.set()
                    continue
                if self._backlog_len:
                    key = min(self._backlog, key=lambda k: self._backlog[k][0][0])
                    queue = self._backlog[key]
                    self.transport.write(queue.popleft()[1])
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

    def _withdraw_answer(self, correlation: int) -> bool:
        """The peer cancelled an exchange whose answer still waits in the outbox: drop it."""
        if not self._held_answers:
            return False
        for held in self._outbox:
            if held.kind == _ANSWER and held.correlation == correlation and held.data is not None:
                held.data = None
                self._held_answers -= 1
                if self._held_answers <= self.limits.max_in_flight:
                    self._answers_room.set()
                return True
        return False

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
            self.transport.write(encode_frame(Frame(FrameKind.ERROR, CodecId.JSON, 0, "", payload)))
        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"connection closed: {error}"))

    def _new_id(self) -> int:
        while True:
            self._next_id = (self._next_id % 0xFFFFFFFF) + 1  # wraps around, skipping 0
            if self._next_id not in self._pending:
                return self._next_id

    def _check_open(self) -> None:
        if self.closed:
            reason = self._close_reason
            raise InteropError(ErrorCode.UNAVAILABLE, reason.message if reason else "connection closed")
        if self._goodbye_received or self._goodbye_sent:
            raise InteropError(ErrorCode.UNAVAILABLE, "connection is closing (GOODBYE)")

    # ---- Invoker --------------------------------------------------------------------------------

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        timeout_ms = options.timeout_ms if options and options.timeout_ms is not None else self.limits.default_deadline_ms
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        codec = self.send_codec
        payload = fn.params.encode(args, codec)
        target = f"{module.name}.{fn.name}"
        frame = await self._exchange(FrameKind.REQUEST, target, codec_id(codec), payload, deadline)
        if frame.kind == FrameKind.ERROR:
            raise self._error_of(frame, module)
        if fn.result is None:
            return None
        reply_codec = codec_name(frame.codec) or codec
        return fn.result.decode(frame.payload, reply_codec, self.limits.max_depth)

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
            self._pending[cid] = _Pending(future, target)
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

    def _error_of(self, frame: Frame, module: ModuleDescriptor | None) -> InteropError:
        codec = codec_name(frame.codec) or "json"
        try:
            env = decode_envelope(frame.payload, codec, self.limits.max_depth)
        except InteropError as e:
            return InteropError(ErrorCode.UNKNOWN, f"undecodable error envelope: {e.message}")
        known = {name: (d.cls, d.codec) for name, d in module.errors.items()} if module else {}
        return error_from_envelope(env, codec, self.limits.max_depth, known)

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None:
        """Sends a ONEWAY, or holds it while the peer is not reading; raises RESOURCE_EXHAUSTED
        when max_in_flight one-way calls already wait (one-way calls cannot wait: no await)."""
        self._check_open()
        target = f"{module.name}.{fn.name}"
        if self._held_oneways >= self.limits.max_in_flight and not self._writable_now():
            raise InteropError(ErrorCode.RESOURCE_EXHAUSTED,
                               f"{target}: {self._held_oneways} one-way calls already wait for {self.peer or 'the peer'} to read")
        codec = self.send_codec
        self._send(Frame(FrameKind.ONEWAY, codec_id(codec), 0, target, fn.params.encode(args, codec)), _ONEWAY)

    async def subscribe(self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler) -> _LocalSubscription:
        target = f"{module.name}.{event.name}"
        deadline = time.monotonic() + self.limits.default_deadline_ms / 1000
        # The SUBSCRIBE's codec names the codec we want the events in.
        reply = await self._exchange(FrameKind.SUBSCRIBE, target, codec_id(self.send_codec), b"", deadline)
        if reply.kind == FrameKind.ERROR:
            raise self._error_of(reply, None)
        queue = EventQueue(self.limits.max_event_queue, self.limits.event_queue_policy, handler, target,
                           on_error=self._count_event_handler_error)
        sub = _LocalSubscription(self, target, queue, event)
        self._local_subs.setdefault(target, []).append(sub)
        return sub

    def _count_event_handler_error(self) -> None:
        self.counters.event_handler_errors += 1

    async def _unsubscribe(self, sub: _LocalSubscription) -> None:
        subs = self._local_subs.get(sub.target, [])
        if sub in subs:
            subs.remove(sub)
        sub.queue.close()
        if not subs:
            self._local_subs.pop(sub.target, None)
            if not self.closed:
                self._send(Frame(FrameKind.UNSUBSCRIBE, CodecId.NONE, 0, sub.target))

    async def ping(self, timeout_ms: int | None = None, payload: bytes = b"") -> float:
        """Round trip time in seconds."""
        start = time.monotonic()
        ms = self.limits.default_deadline_ms if timeout_ms is None else timeout_ms
        reply = await self._exchange(FrameKind.PING, "", CodecId.NONE, payload, start + ms / 1000)
        if reply.payload != payload:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, "PONG did not echo the PING payload")
        return time.monotonic() - start

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
        backlog = self._backlog.get(key)
        if backlog is not None and len(backlog) >= self.limits.max_event_queue:
            self.counters.dropped_events += 1
            self.outbound_dropped[key] = self.outbound_dropped.get(key, 0) + 1
            if self.limits.event_queue_policy != "drop_oldest":
                return  # drop_newest, and block: publish() cannot wait
            backlog.popleft()
            self._backlog_len -= 1
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
        frame = encode_frame(Frame(FrameKind.EVENT, codec_id(codec), 0, target, data))
        if not self._backlog_len and not self.transport.congested():
            self.transport.write(frame)
            return
        if backlog is None:
            backlog = self._backlog[key] = collections.deque()
        self._event_seq += 1
        backlog.append((self._event_seq, frame))
        self._backlog_len += 1
        self._start_flusher()

    def outbound_queued(self) -> int:
        """Events waiting for the transport, over every subscription of the peer."""
        return self._backlog_len

    # ---- receiving ------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            while not self.closed:
                chunk = await self.transport.read()
                if not chunk:
                    truncated = self._decoder.end()
                    if truncated is not None:
                        self.counters.rejected_frames += 1
                    self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"peer {self.peer or '?'} closed the connection"))
                    return
                for item in self._decoder.push(chunk):
                    if isinstance(item, FrameError):
                        self._on_frame_error(item)
                    else:
                        self._dispatch(item)
                    if self.closed:
                        return
                    if self._blocked:
                        await self._wait_blocked()
                    if not self._answers_room.is_set():
                        # More answers wait than a peer within its in-flight limit can have asked
                        # for: it does not read them. Stop reading it until they are sent.
                        self.counters.paused_reads += 1
                        await self._answers_room.wait()
                    if self.closed:
                        return
        except asyncio.CancelledError:
            pass
        except Exception as e:  # a bug here must close this connection only, never the node
            log.exception("connection %s failed", self.transport.description)
            self._shutdown(InteropError(ErrorCode.INTERNAL, f"connection failed: {e}"))

    async def _wait_blocked(self) -> None:
        """A `block` subscription's queue is full: reading stops until it has room (wire.md §5)."""
        self.counters.paused_reads += 1
        blocked, self._blocked = self._blocked, []
        for queue, value in blocked:
            await queue.put(value)

    def _on_frame_error(self, error: FrameError) -> None:
        self.counters.rejected_frames += 1
        problem = InteropError(error.code, error.message)
        if error.fatal:
            self._connection_error(problem)
        elif error.kind in _ANSWERS:
            # Never answer an answer (§1.4): fail the matching exchange locally, or drop it.
            pending = self._pending.pop(error.correlation, None)
            if pending is not None and not pending.future.done():
                pending.future.set_exception(problem)
            elif error.kind == FrameKind.CANCEL:
                self._withdraw_answer(error.correlation)
        elif error.kind in _UNANSWERED:
            log.debug("dropped bad frame: %s", error.message)
        else:
            self._send_error(error.correlation, error.target, problem, codec_name(error.codec) or "json")

    def _dispatch(self, frame: Frame) -> None:
        kind = frame.kind
        if not self._handshake.done():
            self._on_handshake_frame(frame)
            return
        if kind == FrameKind.REQUEST:
            self._on_request(frame)
        elif kind in (FrameKind.RESPONSE, FrameKind.ERROR, FrameKind.PONG):
            if kind == FrameKind.ERROR and frame.correlation == 0:
                err = self._error_of(frame, None)
                log.warning("connection-level error from %s: %s", self.peer, err)
                self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"peer reported {err}"))
                return
            pending = self._pending.pop(frame.correlation, None)
            if pending is None or pending.future.done():
                self.counters.late_responses += 1  # late (timed out, cancelled): never answer it
                log.debug("dropped %s for unknown correlation %d", kind.name, frame.correlation)
                return
            pending.future.set_result(frame)
        elif kind == FrameKind.ONEWAY:
            self._on_oneway(frame)
        elif kind == FrameKind.EVENT:
            self._on_event(frame)
        elif kind == FrameKind.SUBSCRIBE:
            self._on_subscribe(frame)
        elif kind == FrameKind.UNSUBSCRIBE:
            self.remote_subscriptions.pop(frame.target, None)
            dropped = self._backlog.pop(frame.target, None)
            if dropped:
                self._backlog_len -= len(dropped)  # the peer no longer wants them
            if self.on_subscriptions_changed:
                self.on_subscriptions_changed(self)
        elif kind == FrameKind.CANCEL:
            task = self._handling.pop(frame.correlation, None)
            if task is not None:
                task.cancel()  # sends nothing more for that id
            elif not self._withdraw_answer(frame.correlation):
                self.counters.late_cancels += 1
        elif kind == FrameKind.PING:
            self._answer(Frame(FrameKind.PONG, CodecId.NONE, frame.correlation, "", frame.payload))
        elif kind == FrameKind.GOODBYE:
            self._goodbye_received = True
            asyncio.get_running_loop().create_task(self._close_after_goodbye())
        else:  # HELLO / WELCOME after the handshake: correlation 0, so it cannot be answered
            self.counters.rejected_frames += 1
            log.debug("dropped unexpected %s", kind.name)

    async def _close_after_goodbye(self) -> None:
        # The peer starts nothing new; we close once our own outstanding requests are answered.
        while self._pending and not self.closed:
            await asyncio.sleep(0.005)
        while self._handling and not self.closed:
            await asyncio.sleep(0.005)
        try:  # what waits in the outbox (answers) goes out first, if the peer still reads
            await asyncio.wait_for(self._writable(), self.limits.handshake_timeout_ms / 1000)
            await asyncio.wait_for(self.transport.drain(), self.limits.handshake_timeout_ms / 1000)
        except TimeoutError:
            pass
        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, "peer said GOODBYE"))

    # ---- handshake ------------------------------------------------------------------------------

    def _on_handshake_frame(self, frame: Frame) -> None:
        try:
            if frame.kind == FrameKind.ERROR:
                raise self._error_of(frame, None)
            if self.initiator:
                if frame.kind != FrameKind.WELCOME:
                    raise InteropError(ErrorCode.PROTOCOL_ERROR, f"expected WELCOME, got {frame.kind.name}")
                self._accept_welcome(decode_welcome(frame.payload))
            else:
                if frame.kind != FrameKind.HELLO:
                    raise InteropError(ErrorCode.PROTOCOL_ERROR, f"expected HELLO, got {frame.kind.name}")
                self._accept_hello(decode_hello(frame.payload))
        except InteropError as e:
            if frame.kind != FrameKind.ERROR:
                self._send_error(0, "", e, "json")
            self._handshake.set_exception(e)
            self._handshake.exception()
            self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"handshake failed: {e}"))
            return
        self._handshake.set_result(None)

    def _agree_codec(self, theirs: list[CodecName]) -> None:
        self.peer_codecs = theirs
        common = [c for c in self.codecs if c in theirs]
        if not common:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, f"no common codec: ours {self.codecs}, theirs {theirs}")
        self.send_codec = common[0]

    def _accept_hello(self, hello: Hello) -> None:
        version = choose_protocol(hello.protocol)
        if version is None:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, f"no common protocol version in {hello.protocol}")
        if self.expected_token is not None and hello.token != self.expected_token:
            raise InteropError(ErrorCode.UNAUTHENTICATED, "missing or wrong token")
        problem = check_wants(hello.wants, self._offers())
        if problem is not None:
            raise problem
        self.peer = hello.node
        self._agree_codec(hello.codecs)
        welcome = Welcome(codecs=list(self.codecs), node=self.node, offers=self._offers(), protocol=version,
                          wants={m.name: m.fingerprint for m in self.wants})
        self._send(Frame(FrameKind.WELCOME, CodecId.JSON, payload=encode_welcome(welcome)))

    def _accept_welcome(self, welcome: Welcome) -> None:
        if welcome.protocol not in (1,):
            raise InteropError(ErrorCode.PROTOCOL_ERROR, f"peer chose unknown protocol {welcome.protocol}")
        problem = check_wants({m.name: m.fingerprint for m in self.wants}, welcome.offers)
        if problem is None:
            problem = check_wants(welcome.wants, self._offers())
        if problem is not None:
            raise problem
        self.peer = welcome.node
        self._agree_codec(welcome.codecs)

    # ---- serving --------------------------------------------------------------------------------

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
        if frame.codec == CodecId.NONE and frame.payload:
            self._send_error(cid, frame.target, InteropError(ErrorCode.PROTOCOL_ERROR, "payload with codec none"), "json")
            return
        try:
            args = fn.params.decode(frame.payload, codec, self.limits.max_depth) if frame.payload else ()
        except InteropError as e:
            self._send_error(cid, frame.target, e, codec)
            return
        deadline = time.monotonic() + frame.timeout_ms / 1000 if frame.timeout_ms else None
        ctx = CallContext(peer=self.peer, deadline=deadline)
        task = asyncio.get_running_loop().create_task(self._serve(cid, frame.target, codec, served, fn, args, ctx))
        self._handling[cid] = task

    async def _serve(self, cid: int, target: str, codec: CodecName, served: Served, fn: FunctionDescriptor,
                     args: tuple[Any, ...], ctx: CallContext) -> None:
        try:
            failure: Exception | None = None
            payload = b""
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
                    async with asyncio.timeout(left):
                        result = await method(*args, ctx)
            except TimeoutError:
                return  # the caller has given up: send nothing more for this id
            except asyncio.CancelledError:
                return
            except Exception as e:
                self.counters.handler_errors += 1
                failure = e
            else:
                if fn.result is not None:
                    try:
                        payload = fn.result.encode(result, codec)
                    except Exception as e:
                        failure = InteropError(ErrorCode.INTERNAL, f"result does not encode: {e}")
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
        if isinstance(error, ApplicationError) and error.error_type in fn.throws and error.error_type in module.errors:
            desc = module.errors[error.error_type]
            self._send_error(cid, target, error, codec, (error, desc.codec))
        elif isinstance(error, ApplicationError):
            self._send_error(cid, target, InteropError(ErrorCode.INTERNAL, f"undeclared error {error}"), codec)
        elif isinstance(error, InteropError):
            self._send_error(cid, target, error, codec)
        else:
            log.warning("handler %s raised %r", target, error)
            self._send_error(cid, target, InteropError(ErrorCode.INTERNAL, f"{type(error).__name__}: {error}"), codec)

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
            args = fn.params.decode(frame.payload, codec, self.limits.max_depth) if frame.payload else ()
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

    def _on_subscribe(self, frame: Frame) -> None:
        parts = split_target(frame.target)
        served = self.served.get(parts[0]) if parts else None
        if parts is None or served is None or (parts[1] != "*" and parts[1] not in served.module.events):
            self._send_error(frame.correlation, frame.target, InteropError(ErrorCode.NOT_FOUND, f"no event {frame.target}"),
                             codec_name(frame.codec) or "json")
            return
        codec = codec_name(frame.codec) or self.send_codec
        self.remote_subscriptions[frame.target] = codec
        self._answer(Frame(FrameKind.RESPONSE, codec_id(codec), frame.correlation, frame.target))
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed(self)

    def _on_control(self, frame: Frame) -> None:
        member = frame.target.rsplit(".", 1)[1]
        if self.control is None or member not in ("manifest", "health"):
            self._send_error(frame.correlation, frame.target, InteropError(ErrorCode.UNIMPLEMENTED, f"{frame.target}: no such function"), "json")
            return
        doc = self.control(member)
        self._answer(Frame(FrameKind.RESPONSE, CodecId.JSON, frame.correlation, frame.target, canonical_json(doc)))


async def call_control(conn: Connection, member: str, timeout_ms: int = 10_000) -> Any:
    """Calls interop.control.<member> and returns its plain JSON document (docs/wire.md §7)."""
    import json

    frame = await conn._exchange(FrameKind.REQUEST, f"{CONTROL_MODULE}.{member}", CodecId.JSON, b"{}",
                                 time.monotonic() + timeout_ms / 1000)
    if frame.kind == FrameKind.ERROR:
        raise conn._error_of(frame, None)
    return json.loads(frame.payload)


__all__ = ["Connection", "Counters", "Served", "ControlHandler", "call_control"]
