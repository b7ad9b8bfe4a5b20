"""The handshake of a Connection (docs/wire.md §2): the initiator sends HELLO, the responder
checks it and answers WELCOME or ERROR, the initiator checks the WELCOME; then both know the
peer's name, the codec to send in, that every module either side wants is offered, and, for a
module the peer has in another version, its compatibility table (§2.2). The documents themselves
are in handshake.py."""

from __future__ import annotations

import asyncio

from .conn_caller import CallerSide
from .errors import ErrorCode, InteropError
from .frames import CodecId, Frame, FrameKind
from .compat import CompatTable, compat_of
from .handshake import (
    CONTROL_ENDPOINT_HINT, Hello, Welcome, check_wants, choose_protocol, decode_hello, decode_welcome, differing_wants,
    encode_hello, encode_welcome,
)
from .codec.type_codec import CodecName
from .peer_versions import PeerVersions


class HandshakeSide(CallerSide):
    """Sends HELLO (initiator) and settles `_handshake` from the first frame the peer sends."""

    async def _run_handshake(self) -> None:
        """The initiator sends HELLO; both wait for the handshake within handshake_timeout_ms.
        Raises InteropError when it fails (the transport is then closed)."""
        if self.initiator:
            offers = self._offers()
            hello = Hello(codecs=list(self.codecs), node=self.node, offers=offers, compat=self._tables(list(offers)),
                          wants={m.name: m.fingerprint for m in self.wants}, token=self.token)
            self._send(Frame(FrameKind.HELLO, CodecId.JSON, payload=encode_hello(hello)))
        try:
            await asyncio.wait_for(asyncio.shield(self._handshake), self.limits.handshake_timeout_ms / 1000)
        except TimeoutError:
            self._shutdown(InteropError(ErrorCode.UNAVAILABLE, "handshake timed out"))
            raise InteropError(ErrorCode.DEADLINE_EXCEEDED, "handshake timed out") from None

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

    def _tables(self, names: list[str]) -> dict[str, CompatTable]:
        """The compatibility tables of the named served modules that have one."""
        tables = {name: compat_of(self.served[name].module.ir) for name in names if name in self.served}
        return {name: t for name, t in tables.items() if t is not None}

    def _agree_codec(self, theirs: list[CodecName]) -> None:
        self.peer_codecs = theirs
        common = [c for c in self.codecs if c in theirs]
        if not common:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, f"no common codec: ours {self.codecs}, theirs {theirs}")
        self.send_codec = common[0]
        self.member_codecs = {target: c for target, c in self.member_codecs.items() if c in theirs}

    def _accept_hello(self, hello: Hello) -> None:
        version = choose_protocol(hello.protocol)
        if version is None:
            raise InteropError(ErrorCode.PROTOCOL_ERROR, f"no common protocol version in {hello.protocol}")
        if self.expected_token is not None and hello.token != self.expected_token:
            raise InteropError(ErrorCode.UNAUTHENTICATED, "missing or wrong token")
        problem = check_wants(hello.wants, self._offers())
        if problem is not None:
            if self.control_only and problem.code == ErrorCode.NOT_FOUND:
                problem = InteropError(problem.code, f"{problem.message}: {CONTROL_ENDPOINT_HINT}")
            raise problem
        self.peer = hello.node
        self.versions = PeerVersions(hello.node, hello.offers, hello.compat, hello.wants)
        self._agree_codec(hello.codecs)
        offers = self._offers()
        welcome = Welcome(codecs=list(self.codecs), node=self.node, offers=offers,
                          compat=self._tables(differing_wants(hello.wants, offers)), protocol=version,
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
        self.versions = PeerVersions(welcome.node, welcome.offers, welcome.compat, welcome.wants)
        self._agree_codec(welcome.codecs)


__all__ = ["HandshakeSide"]
