"""The per-subscription event backlog of a congested connection (conn_outbound.py)."""

from __future__ import annotations

import collections

from interop_runtime.conn_outbound import Outbound
from interop_runtime.counters import Counters
from interop_runtime.limits import Limits


def backlog_with_one_event(policy: str) -> Outbound:
    """An Outbound part holding one waiting event for "m.e", built without a transport: only the
    backlog's own state is involved in making room."""
    out = Outbound.__new__(Outbound)
    out.limits = Limits(max_event_queue=1, event_queue_policy=policy)  # type: ignore[arg-type]
    out.counters = Counters()
    out.outbound_dropped = {}
    out._backlog = {"m.e": collections.deque([(1, b"frame")])}
    out._backlog_len = 1
    return out


def test_making_room_in_a_queue_of_one_leaves_no_empty_queue_behind() -> None:
    # The arriving event may then fail to encode and never be queued; an empty queue left in the
    # backlog would make the flusher read the head of an empty deque.
    out = backlog_with_one_event("drop_oldest")
    assert out._event_room("m.e") is True
    assert "m.e" not in out._backlog
    assert out._backlog_len == 0
    assert out.counters.dropped_events == 1
    assert out.outbound_dropped == {"m.e": 1}


def test_drop_newest_keeps_the_waiting_event() -> None:
    out = backlog_with_one_event("drop_newest")
    assert out._event_room("m.e") is False
    assert list(out._backlog["m.e"]) == [(1, b"frame")]
    assert out.counters.dropped_events == 1
