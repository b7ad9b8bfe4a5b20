"""Frame layout of docs/wire.md §1: a u32 length, a 14-byte fixed header, the target, the
payload; all little-endian. FrameDecoder buffers a byte stream and yields a frame only once all
its bytes have arrived; a declared length is checked against the limit as soon as its 4 bytes
are in, and is never used to allocate before the bytes are there."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum
from typing import Literal

from .codec.type_codec import CodecName
from .errors import ErrorCode, InteropError


class FrameKind(IntEnum):
    HELLO = 1
    WELCOME = 2
    REQUEST = 3
    RESPONSE = 4
    ERROR = 5
    ONEWAY = 6
    EVENT = 7
    SUBSCRIBE = 8
    UNSUBSCRIBE = 9
    CANCEL = 10
    PING = 11
    PONG = 12
    GOODBYE = 13
    STREAM_ITEM = 14
    STREAM_END = 15
    STREAM_CREDIT = 16


#: Flag bits of docs/wire.md §1.3.
#: STREAM_ITEM, STREAM_CREDIT: sent by the callee (the correlation id is the receiver's own).
FLAG_CALLEE = 0x0001
#: REQUEST: the function has a client stream / a server stream.
FLAG_STREAM_IN = 0x0002
FLAG_STREAM_OUT = 0x0004


class CodecId(IntEnum):
    NONE = 0
    JSON = 1
    MSGPACK = 2
    PROTOBUF = 3
    FLATBUFFERS = 4


#: Members by wire value (a tuple index costs less than calling the enum class per frame).
_KINDS: tuple[FrameKind, ...] = tuple(FrameKind)  # HELLO = 1 at index 0
_CODECS: tuple[CodecId, ...] = tuple(CodecId)
assert all(k.value == i + 1 for i, k in enumerate(_KINDS)) and all(c.value == i for i, c in enumerate(_CODECS))

LENGTH_BYTES = 4
#: Bytes of the fixed header after `length` (kind … target_len).
FIXED_HEADER_BYTES = 14
PREFIX_BYTES = LENGTH_BYTES + FIXED_HEADER_BYTES

_PREFIX = struct.Struct("<IBBHIIH")
_LENGTH = struct.Struct("<I")


def codec_id(name: CodecName) -> CodecId:
    return _CODEC_IDS[name]


_CODEC_NAMES: dict[int, CodecName] = {
    CodecId.JSON: "json", CodecId.MSGPACK: "msgpack", CodecId.PROTOBUF: "protobuf", CodecId.FLATBUFFERS: "flatbuffers",
}
_CODEC_IDS: dict[CodecName, CodecId] = {name: CodecId(i) for i, name in _CODEC_NAMES.items()}


def codec_name(codec: int) -> CodecName | None:
    """The payload codec of a wire codec id, or None for none/reserved ids."""
    return _CODEC_NAMES.get(codec)


@dataclass(slots=True)
class Frame:
    kind: FrameKind
    codec: CodecId = CodecId.NONE
    correlation: int = 0
    target: str = ""
    payload: bytes = b""
    #: REQUEST only: the caller's remaining deadline in ms, 0 = none.
    timeout_ms: int = 0
    #: docs/wire.md §1.3 (FLAG_*); bits a receiver does not know are ignored.
    flags: int = 0


def encode_frame_head(frame: Frame, payload_bytes: int) -> bytes:
    target = frame.target.encode("utf-8")
    if len(target) > 0xFFFF:
        raise ValueError(f"frame target is {len(target)} bytes, more than a u16")
    length = FIXED_HEADER_BYTES + len(target) + payload_bytes
    if length > 0xFFFFFFFF:
        raise ValueError(f"frame of {length} bytes does not fit a u32 length")
    return _PREFIX.pack(
        length, frame.kind, frame.codec, frame.flags, frame.correlation & 0xFFFFFFFF,
        frame.timeout_ms & 0xFFFFFFFF, len(target),
    ) + target


def encode_frame(frame: Frame) -> bytes:
    return encode_frame_head(frame, len(frame.payload)) + frame.payload


def split_target(target: str) -> tuple[str, str] | None:
    """Module before the last dot, member after it (docs/wire.md §1)."""
    dot = target.rfind(".")
    if dot <= 0 or dot == len(target) - 1:
        return None
    return target[:dot], target[dot + 1:]


FrameErrorReason = Literal[
    "truncated", "oversized", "short_length", "target_past_end", "target_too_long", "bad_target",
    "unknown_kind", "unknown_codec",
]


class FrameError(InteropError):
    """A malformed frame. A `fatal` error means the stream can no longer be delimited: the
    receiver sends one connection-level ERROR and closes. Other errors concern one complete
    frame: the receiver answers its correlation id and goes on."""

    def __init__(
        self, reason: FrameErrorReason, code: int, message: str, *, fatal: bool,
        correlation: int = 0, kind: int = 0, codec: int = 0, flags: int = 0, target: str = "",
    ) -> None:
        super().__init__(code, message)
        self.reason = reason
        self.fatal = fatal
        self.correlation = correlation
        self.kind = kind
        self.codec = codec
        #: A stream frame's CALLEE flag says whose exchange it names (docs/wire.md §1.5).
        self.flags = flags
        self.target = target


class FrameDecoder:
    """Frames are read in place from the chunk pushed (or from what was held plus it): one copy
    of each payload, into its own bytes, and the consumed bytes are dropped once per push."""

    def __init__(self, max_frame_bytes: int, max_target_bytes: int) -> None:
        self._buf = bytearray()
        self._max_frame = max_frame_bytes
        self._max_target = max_target_bytes
        self.failed: FrameError | None = None

    @property
    def buffered_bytes(self) -> int:
        return len(self._buf)

    def push(self, chunk: bytes) -> list[Frame | FrameError]:
        """Adds bytes and returns every item now complete, in order. After a fatal error the
        decoder returns it once and ignores all later input."""
        if self.failed is not None:
            return []
        held = self._buf
        data: bytes | bytearray
        if held:
            held += chunk
            data = held
        else:
            data = chunk  # nothing held: read the frames straight from the chunk
        out: list[Frame | FrameError] = []
        pos = 0
        with memoryview(data) as view:
            while True:
                item, pos = self._next(data, view, pos)
                if item is None:
                    break
                out.append(item)
                if isinstance(item, FrameError) and item.fatal:
                    return out  # _fail dropped everything held
        if data is held:
            del held[:pos]
        elif pos < len(data):
            self._buf = bytearray(data[pos:])
        return out

    def stop(self) -> None:
        """Drops what is buffered and ignores later input: the connection is closing for another
        reason."""
        self._fail(FrameError("truncated", ErrorCode.PROTOCOL_ERROR, "decoder stopped", fatal=True))

    def end(self) -> FrameError | None:
        """Called at end of stream: reports a frame cut short, if bytes are left over."""
        if self.failed is not None or not self._buf:
            return None
        return self._fail(FrameError(
            "truncated", ErrorCode.PROTOCOL_ERROR,
            f"stream ended inside a frame ({len(self._buf)} bytes left)", fatal=True))

    def _fail(self, error: FrameError) -> FrameError:
        self.failed = error
        self._buf = bytearray()
        return error

    def _next(self, data: bytes | bytearray, view: memoryview, pos: int) -> tuple[Frame | FrameError | None, int]:
        """The item starting at `pos` of `data` and the position after it; (None, pos) while it
        is incomplete."""
        available = len(data) - pos
        if available < LENGTH_BYTES:
            return None, pos
        length: int = _LENGTH.unpack_from(data, pos)[0]
        if length < FIXED_HEADER_BYTES:
            return self._fail(FrameError(
                "short_length", ErrorCode.PROTOCOL_ERROR,
                f"frame length {length} is below the 14-byte header", fatal=True)), pos
        if length > self._max_frame:
            return self._fail(FrameError(
                "oversized", ErrorCode.RESOURCE_EXHAUSTED,
                f"frame length {length} exceeds max_frame_bytes {self._max_frame}", fatal=True)), pos
        if available < PREFIX_BYTES:
            return None, pos
        _, kind, codec, flags, correlation, timeout_ms, target_len = _PREFIX.unpack_from(data, pos)
        if target_len > length - FIXED_HEADER_BYTES:
            return self._fail(FrameError(
                "target_past_end", ErrorCode.PROTOCOL_ERROR,
                f"target_len {target_len} runs past frame length {length}", fatal=True,
                correlation=correlation, kind=kind, codec=codec)), pos
        end = pos + LENGTH_BYTES + length
        if len(data) < end:
            return None, pos
        start = pos + PREFIX_BYTES
        if target_len > self._max_target:
            return FrameError(
                "target_too_long", ErrorCode.RESOURCE_EXHAUSTED,
                f"target_len {target_len} exceeds max_target_bytes {self._max_target}",
                fatal=False, correlation=correlation, kind=kind, codec=codec, flags=flags), end
        try:
            target = str(view[start:start + target_len], "utf-8")
        except UnicodeDecodeError:
            return FrameError(
                "bad_target", ErrorCode.PROTOCOL_ERROR, "frame target is not valid UTF-8",
                fatal=False, correlation=correlation, kind=kind, codec=codec, flags=flags), end
        if not FrameKind.HELLO <= kind <= FrameKind.STREAM_CREDIT:
            return FrameError(
                "unknown_kind", ErrorCode.PROTOCOL_ERROR, f"unknown frame kind {kind}",
                fatal=False, correlation=correlation, kind=kind, codec=codec, flags=flags, target=target), end
        if codec > CodecId.FLATBUFFERS:
            return FrameError(
                "unknown_codec", ErrorCode.PROTOCOL_ERROR, f"unknown or unsupported codec {codec}",
                fatal=False, correlation=correlation, kind=kind, codec=codec, flags=flags, target=target), end
        return Frame(
            kind=_KINDS[kind - 1], codec=_CODECS[codec], correlation=correlation, target=target,
            payload=bytes(view[start + target_len:end]), timeout_ms=timeout_ms, flags=flags), end
