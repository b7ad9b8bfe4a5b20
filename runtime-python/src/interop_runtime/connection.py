"""One link to one peer over a ByteTransport: handshake, correlation of requests and responses,
deadlines, cancellation, max_in_flight both ways, subscriptions with bounded queues, ping,
goodbye, and UNAVAILABLE for every pending call when the peer dies (docs/wire.md §1, §2, §4-§6).

Both sides may start exchanges: each keeps its own correlation id space.

`Connection` is assembled from parts, one module each, each owning its state (conn_core.py):

    conn_core.py       configuration, lifecycle (closing, closed, shutdown)
    conn_outbound.py   writing: the outbox, the per-subscription event backlog, the flusher
    conn_caller.py     this side's exchanges: call, oneway, subscribe, ping; in-flight slots,
                       pending answers, deadlines and CANCEL; events of our subscriptions
    conn_serving.py    the peer's exchanges: requests, one-way calls, its subscriptions and the
                       events sent to them, the control channel
    conn_streams.py    streams, both sides (docs/wire.md §1.5; the items: streams.py)
    conn_handshake.py  HELLO / WELCOME (the documents: handshake.py)
    conn_inbound.py    the read loop and the dispatch of frames
    counters.py        the health counters (docs/wire.md §7)

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
import json
import time
from typing import Any

from .conn_caller import LocalSubscription as _LocalSubscription
from .conn_core import ControlHandler, Served, SubscriptionHook
from .conn_inbound import Inbound
from .counters import COUNTER_NAMES, Counters
from .errors import ErrorCode, InteropError
from .frames import CodecId, Frame, FrameKind
from .handshake import CONTROL_MODULE
from .transport.base import ByteTransport


class Connection(Inbound):
    """Implements the runtime's Invoker over one link. Create with `Connection.open(...)`."""

    @classmethod
    async def open(cls, transport: ByteTransport, **kwargs: Any) -> Connection:
        """Runs the handshake (the initiator sends HELLO) and starts serving; raises InteropError
        when the handshake fails (the transport is then closed)."""
        conn = cls(transport, **kwargs)
        conn._reader = asyncio.get_running_loop().create_task(conn._read_loop(), name=f"read {transport.description}")
        await conn._run_handshake()
        if not conn.closed:
            conn._watchdog.start()
        return conn

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


async def call_control(conn: Connection, member: str, timeout_ms: int = 10_000) -> Any:
    """Calls interop.control.<member> and returns its plain JSON document (docs/wire.md §7)."""
    frame = await conn._exchange(FrameKind.REQUEST, f"{CONTROL_MODULE}.{member}", CodecId.JSON, b"{}",
                                 time.monotonic() + timeout_ms / 1000)
    if frame.kind == FrameKind.ERROR:
        raise conn._error_of(frame, None)
    return json.loads(frame.payload)


__all__ = ["COUNTER_NAMES", "Connection", "ControlHandler", "Counters", "Served", "SubscriptionHook",
           "_LocalSubscription", "call_control"]
