"""The reading side of a Connection: one read loop per connection decodes frames as they arrive
(docs/wire.md §1) and hands each to the part it concerns. It stops reading the peer while a
`block` subscription's queue is full, or while more than max_in_flight of the answers it gave
wait to be written (the peer does not read them: docs/wire.md §5). A malformed frame is
answered, failed locally or dropped as §1.4 says; a GOODBYE closes the connection once our own
exchanges are answered."""

from __future__ import annotations

import asyncio
import logging

from .conn_handshake import HandshakeSide
from .conn_streams import StreamSide
from .errors import ErrorCode, InteropError
from .conn_watchdog import Watchdog
from .foreign_peer import CLOSED_WITHOUT_ANSWER, SNIFF_BYTES, describe_foreign_peer, starts_handshake_answer
from .frames import CodecId, Frame, FrameDecoder, FrameError, FrameKind, codec_name

log = logging.getLogger("interop.connection")

#: Frames that answer an exchange: a problem with one is never answered (docs/wire.md §1.4).
ANSWERS = frozenset({FrameKind.RESPONSE, FrameKind.ERROR, FrameKind.PONG, FrameKind.CANCEL})
#: Frames with correlation 0 that nobody answers: a bad one is dropped and counted.
UNANSWERED = frozenset({FrameKind.ONEWAY, FrameKind.EVENT, FrameKind.UNSUBSCRIBE, FrameKind.GOODBYE})
#: Frames inside a stream exchange (docs/wire.md §1.5): a bad one ends the stream it names.
STREAM_FRAMES = frozenset({FrameKind.STREAM_ITEM, FrameKind.STREAM_END, FrameKind.STREAM_CREDIT})
#: Frames that start an exchange with a new correlation id of the peer's.
STARTS_EXCHANGE = frozenset({FrameKind.REQUEST, FrameKind.SUBSCRIBE, FrameKind.PING})


class Inbound(HandshakeSide, StreamSide):
    """The read loop and the dispatch of every frame kind."""

    def _setup(self) -> None:
        super()._setup()
        self._decoder = FrameDecoder(self.limits.max_frame_bytes, self.limits.max_target_bytes)
        #: An initiator's first bytes, until SNIFF_BYTES have come: they must start a WELCOME or an
        #: ERROR, else the peer is not an interop node (docs/wire.md §2). None once checked.
        self._head: bytes | None = b"" if self.initiator else None
        self._watchdog = Watchdog(self)  # type: ignore[arg-type]  # this is a Connection

    def _teardown(self, reason: InteropError) -> None:
        super()._teardown(reason)
        self._watchdog.stop()

    def _sniff(self, chunk: bytes) -> bool:
        """Whether the bytes received so far may be an interop peer's; if not, fails the handshake
        (not answered: the peer would not understand an ERROR frame)."""
        head = (self._head or b"") + chunk
        self._head = head if len(head) < SNIFF_BYTES else None
        if len(head) < SNIFF_BYTES or starts_handshake_answer(head):
            return True
        self.counters.rejected_frames += 1
        error = InteropError(ErrorCode.PROTOCOL_ERROR, describe_foreign_peer(head))
        if not self._handshake.done():
            self._handshake.set_exception(error)
            self._handshake.exception()
        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"handshake failed: {error}"))
        return False

    async def _read_loop(self) -> None:
        try:
            while not self.closed:
                chunk = await self.transport.read()
                if not chunk:
                    truncated = self._decoder.end()
                    # A transport that refused the peer's bytes itself says so (a WebSocket message too large).
                    if truncated is not None or getattr(self.transport, "refused_data", False):
                        self.counters.rejected_frames += 1
                    if self._head == b"":  # an initiator that received nothing: no answer to HELLO
                        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"connection lost during handshake: {CLOSED_WITHOUT_ANSWER}"))
                    else:  # a transport that closed because of what the peer did says why (a broken shm ring)
                        why = getattr(self.transport, "closed_reason", None) or f"peer {self.peer or '?'} closed the connection"
                        self._shutdown(InteropError(ErrorCode.UNAVAILABLE, why))
                    return
                if self._head is not None and not self._sniff(chunk):
                    return
                self._received = True
                items = self._decoder.push(chunk)
                self._watchdog.after_read(len(items))
                for item in items:
                    if isinstance(item, FrameError):
                        self._on_frame_error(item)
                    else:
                        self._dispatch(item)
                    if self.closed:
                        return
                    if self._blocked:
                        self._reading_paused = True
                        await self._wait_blocked()
                        self._reading_paused = False
                    if not self._answers_room.is_set():
                        # More answers wait than a peer within its in-flight limit can have asked
                        # for: it does not read them. Stop reading it until they are sent.
                        self.counters.paused_reads += 1
                        self._reading_paused = True
                        await self._answers_room.wait()
                        self._reading_paused = False
                    if self.closed:
                        return
        except asyncio.CancelledError:
            pass
        except Exception as e:  # a bug here must close this connection only, never the node
            log.exception("connection %s failed", self.transport.description)
            self._shutdown(InteropError(ErrorCode.INTERNAL, f"connection failed: {e}"))

    def _on_frame_error(self, error: FrameError) -> None:
        self.counters.rejected_frames += 1
        problem = InteropError(error.code, error.message)
        if error.fatal:
            self._connection_error(problem)
        elif error.kind in STREAM_FRAMES:
            self._break_off_stream(error.flags, error.correlation, problem)  # never answered (§1.5)
        elif error.kind in ANSWERS:
            # Never answer an answer (§1.4): fail the matching exchange locally, or drop it.
            if not self._fail_exchange(error.correlation, problem) and error.kind == FrameKind.CANCEL:
                self._withdraw_answer(error.correlation)
        elif error.kind in UNANSWERED:
            log.debug("dropped bad frame: %s", error.message)
        else:
            if error.kind in STARTS_EXCHANGE and self._subscribe_ids:
                # Refused, it still starts an exchange with its id (docs/wire.md §1.1).
                self._subscribe_ids.pop(error.correlation, None)
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
            self._on_answer(frame)
        elif kind == FrameKind.ONEWAY:
            self._on_oneway(frame)
        elif kind == FrameKind.EVENT:
            self._on_event(frame)
        elif kind == FrameKind.SUBSCRIBE:
            self._on_subscribe(frame)
        elif kind == FrameKind.UNSUBSCRIBE:
            self._on_unsubscribe(frame)
        elif kind == FrameKind.CANCEL:
            self._on_cancel(frame)
        elif kind == FrameKind.PING:
            if self._subscribe_ids:
                self._subscribe_ids.pop(frame.correlation, None)  # a new exchange with that id
            self._answer(Frame(FrameKind.PONG, CodecId.NONE, frame.correlation, "", frame.payload))
        elif kind in STREAM_FRAMES:
            self._on_stream_frame(frame)
        elif kind == FrameKind.GOODBYE:
            self._goodbye_received = True
            asyncio.get_running_loop().create_task(self._close_after_goodbye())
        else:  # HELLO / WELCOME after the handshake: correlation 0, so it cannot be answered
            self.counters.rejected_frames += 1
            log.debug("dropped unexpected %s", kind.name)

    async def _goodbye_when_idle(self, reason: str) -> None:
        """Idle for idle_timeout_ms (conn_watchdog.py, docs/wire.md §5.1): GOODBYE, then the peer
        closes, so a request it sent before reading the GOODBYE is still answered; at most
        handshake_timeout_ms."""
        if self.closed or self._goodbye_sent or self._goodbye_received:
            return
        self._goodbye_sent = True
        self._send(Frame(FrameKind.GOODBYE, CodecId.NONE, payload=reason.encode()))
        try:
            await asyncio.wait_for(self._closed.wait(), self.limits.handshake_timeout_ms / 1000)
        except TimeoutError:
            self._shutdown(InteropError(ErrorCode.UNAVAILABLE, f"{reason}; the peer did not close"))

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


__all__ = ["Inbound"]
