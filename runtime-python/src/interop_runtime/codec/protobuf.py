"""The protobuf codec's primitives (ADR 0028, docs/wire.md §3.5), called by generated `_pw_*` and
`_pr_*` functions. Writing appends to a bytearray: fields in number order, zigzag for signed
integers, int32 for enums (a negative one in ten bytes), packed scalar lists, a nested message
written to its own bytearray and then length-prefixed. Reading is bounded by the end of the
message being read, with the typed errors of runtime-ts's ProtobufReader, message for message."""

from __future__ import annotations

import math
import struct

from ..errors import ErrorCode
from .check import CodecError

_F32 = struct.Struct("<f")
_F64 = struct.Struct("<d")
_NAN32 = b"\x00\x00\xc0\x7f"
_NAN64 = b"\x00\x00\x00\x00\x00\x00\xf8\x7f"
_MASK64 = (1 << 64) - 1
_WIRE_NAMES = ("varint", "fixed64", "length-delimited", "group start", "group end", "fixed32", "wire type 6", "wire type 7")


def _error(detail: str, code: int = ErrorCode.INVALID_ARGUMENT) -> CodecError:
    e = CodecError(detail)
    e.code = code
    return e


def varint(b: bytearray, v: int) -> None:
    while v >= 0x80:
        b.append((v & 0x7F) | 0x80)
        v >>= 7
    b.append(v)


def w_sint(b: bytearray, v: int) -> None:
    varint(b, v << 1 if v >= 0 else ((-v) << 1) - 1)


def w_enum(b: bytearray, v: int) -> None:
    varint(b, v if v >= 0 else v & _MASK64)


def w_f32(b: bytearray, v: float) -> None:
    v = float(v)
    if v != v:
        b += _NAN32
        return
    try:
        b += _F32.pack(v)
    except OverflowError:  # beyond f32: what rounding to f32 gives (the value check allows it)
        b += _F32.pack(math.copysign(math.inf, v))


def w_f64(b: bytearray, v: float) -> None:
    v = float(v)
    b += _NAN64 if v != v else _F64.pack(v)


def w_str(b: bytearray, v: str) -> None:
    data = v.encode("utf-8")
    varint(b, len(data))
    b += data


def w_bytes(b: bytearray, v: bytes) -> None:
    varint(b, len(v))
    b += v


def w_message(b: bytearray, key: bytes, body: bytearray) -> None:
    b += key
    varint(b, len(body))
    b += body


class PbReader:
    """Reads the message `buf` field by field; `end` is the end of the message being read."""

    __slots__ = ("buf", "pos", "end", "depth", "max_depth", "wt")

    def __init__(self, buf: bytes, max_depth: int) -> None:
        self.buf = bytes(buf)
        self.pos = 0
        self.end = len(self.buf)
        self.depth = 0
        self.max_depth = max_depth
        self.wt = 0

    def _varint(self) -> int:
        buf, pos, end = self.buf, self.pos, self.end
        # Most varints (keys, lengths, small numbers) are one byte.
        if pos < end and buf[pos] < 0x80:
            self.pos = pos + 1
            return buf[pos]
        v = 0
        for i in range(10):
            if pos >= end:
                raise _error("truncated varint")
            c = buf[pos]
            pos += 1
            if i == 9 and c > 1:
                raise _error("varint longer than 64 bits")
            v |= (c & 0x7F) << (7 * i)
            if c < 0x80:
                self.pos = pos
                return v
        raise _error("varint longer than 10 bytes")

    def field(self) -> int:
        """The next field's number (its wire type in `wt`), or 0 at the end of the message."""
        pos = self.pos
        if pos >= self.end:
            return 0
        key = self.buf[pos]
        if 8 <= key < 0x80 and key & 7 in (0, 1, 2, 5):
            self.pos = pos + 1
            self.wt = key & 7
            return key >> 3
        key = self._varint()
        if key >> 32:
            raise _error("field number out of range")
        wt = key & 7
        n = key >> 3
        if n == 0:
            raise _error("field number 0")
        if wt in (3, 4) or wt > 5:
            raise _error(f"{_WIRE_NAMES[wt]} (field {n}) is not supported")
        self.wt = wt
        return n

    def expect(self, wt: int) -> None:
        if self.wt != wt:
            raise _error(f"wire type {_WIRE_NAMES[self.wt]} where the schema wants {_WIRE_NAMES[wt]}")

    def _length(self) -> int:
        n = self._varint()
        left = self.end - self.pos
        if n > left:
            shown = "more than 2^32" if n >> 32 else str(n)
            raise _error(f"length of {shown} but only {left} bytes left", ErrorCode.RESOURCE_EXHAUSTED)
        return self.pos + n

    def enter(self) -> int:
        self.expect(2)
        end = self._length()
        self.depth += 1
        if self.depth > self.max_depth:
            raise _error(f"value nested deeper than {self.max_depth} levels", ErrorCode.RESOURCE_EXHAUSTED)
        outer = self.end
        self.end = end
        return outer

    def leave(self, outer: int) -> None:
        self.depth -= 1
        self.end = outer

    def enter_packed(self) -> int:
        end = self._length()
        outer = self.end
        self.end = end
        return outer

    def leave_packed(self, outer: int) -> None:
        self.end = outer

    def more(self) -> bool:
        return self.pos < self.end

    def skip(self) -> None:
        wt = self.wt
        if wt == 0:
            self._varint()
        elif wt == 2:
            self.pos = self._length()
        else:
            self._need(8 if wt == 1 else 4)
            self.pos += 8 if wt == 1 else 4

    def _need(self, n: int) -> None:
        if n > self.end - self.pos:
            raise _error(f"truncated: needs {n} more bytes, {self.end - self.pos} left")

    def bool_(self) -> bool:
        v = self._varint()
        if v > 1:
            raise _error("expected bool, got a varint other than 0 and 1")
        return v == 1

    def sint(self, lo: int, hi: int, name: str) -> int:
        u = self._varint()
        v = (u >> 1) ^ -(u & 1)
        if not lo <= v <= hi:
            raise _error(f"expected {name}, got a value out of range")
        return v

    def uint(self, hi: int, name: str) -> int:
        v = self._varint()
        if v > hi:
            raise _error(f"expected {name}, got a value out of range")
        return v

    def enum(self) -> int:
        v = self._varint()
        if v < 0x80000000:
            return v
        if v >= 0xFFFFFFFF80000000:
            return v - (1 << 64)
        raise _error("expected an enum value (int32), got a value out of range")

    def f32(self) -> float:
        self._need(4)
        v: float = _F32.unpack_from(self.buf, self.pos)[0]
        self.pos += 4
        return v

    def f64(self) -> float:
        self._need(8)
        v: float = _F64.unpack_from(self.buf, self.pos)[0]
        self.pos += 8
        return v

    def string(self) -> str:
        end = self._length()
        try:
            s = self.buf[self.pos:end].decode("utf-8")
        except UnicodeDecodeError:
            raise _error("invalid UTF-8 in string") from None
        self.pos = end
        return s

    def bytes_(self) -> bytes:
        end = self._length()
        v = self.buf[self.pos:end]
        self.pos = end
        return v
