"""TypeCodec: the per-type object generated code builds from its four generated functions. The
runtime encodes and decodes payloads only through it, so it never needs to know a schema."""

from __future__ import annotations

from typing import Any, Callable, Generic, Literal, TypeVar

from ..errors import ErrorCode, InteropError, invalid
from .check import CodecError
from .json_canonical import json_text_to_bytes, parse_json
from .msgpack_canonical import pack_tree, unpack_tree
from .flatbuffers import FbReader, FbWriter
from .protobuf import PbReader

T = TypeVar("T")

#: The payload codecs of docs/wire.md §3; "protobuf" and "flatbuffers" are what generated codecs
#: support (ADR 0028, 0041).
CodecName = Literal["json", "msgpack", "protobuf", "flatbuffers"]

#: Raises CodecError unless the value fits the type (check.py); returns nothing.
Check = Callable[[Any], None]
JsonWrite = Callable[[T], str]
#: (tree, depth, max_depth). A reader owns the tree it is given: lists and maps of it may become
#: parts of the value it returns.
TreeRead = Callable[[Any, int, int], T]
MsgpackTree = Callable[[T], Any]


class TypeCodec(Generic[T]):
    """Encodes and decodes one payload type in every codec. `check` refuses a value the type
    cannot hold (docs/wire.md §3.4); `json_write` returns canonical JSON text and `msgpack_tree`
    a plain tree for pack_tree, both for values that passed `check`; the readers check a parsed
    tree. `name` starts error messages, as in runtime-ts: "Message", "post", "history result"."""

    __slots__ = ("name", "check", "json_write", "json_read", "msgpack_tree", "msgpack_read", "has_f32", "pb_write", "pb_read", "fb_write", "fb_read")

    def __init__(
        self,
        name: str,
        check: Check,
        json_write: JsonWrite[T],
        json_read: TreeRead[T],
        msgpack_tree: MsgpackTree[T],
        msgpack_read: TreeRead[T],
        has_f32: bool,
        pb_write: Callable[[bytearray, T], None] | None = None,
        pb_read: Callable[[PbReader], T] | None = None,
        fb_write: Callable[[FbWriter, T], int] | None = None,
        fb_read: Callable[[FbReader, int], T] | None = None,
    ) -> None:
        self.name = name
        self.check = check
        self.json_write = json_write
        self.json_read = json_read
        self.msgpack_tree = msgpack_tree
        self.msgpack_read = msgpack_read
        self.has_f32 = has_f32
        #: The protobuf codec (ADR 0028): generated codecs have it, hand-made ones may not.
        self.pb_write = pb_write
        self.pb_read = pb_read
        #: The flatbuffers codec (docs/wire.md §3.6): writes a table, returns its position.
        self.fb_write = fb_write
        self.fb_read = fb_read

    def validate(self, value: Any) -> None:
        """Raises the InteropError(INVALID_ARGUMENT) that `encode` would raise for `value`, without
        encoding: the direct transport checks every value with it."""
        try:
            self.check(value)
        except (CodecError, RecursionError) as e:
            raise self._refused(e) from None

    def _refused(self, e: Exception) -> InteropError:
        if isinstance(e, CodecError):
            return InteropError(e.code, f"{self.name}{e.path}: {e.detail}")
        return InteropError(ErrorCode.RESOURCE_EXHAUSTED, f"{self.name}: value nested too deeply")

    def encode(self, value: T, codec: CodecName) -> bytes:
        """Raises InteropError(INVALID_ARGUMENT) for a value the type cannot hold (validate)."""
        try:
            self.check(value)
        except (CodecError, RecursionError) as e:
            raise self._refused(e) from None
        if codec == "msgpack":
            return pack_tree(self.msgpack_tree(value), self.has_f32)
        if codec == "json":
            return json_text_to_bytes(self.json_write(value))
        if codec == "protobuf" and self.pb_write is not None:
            out = bytearray()
            self.pb_write(out, value)
            return bytes(out)
        if codec == "flatbuffers" and self.fb_write is not None:
            w = FbWriter()
            return w.finish(self.fb_write(w, value))
        raise invalid(f"codec {codec!r} is not supported")

    def decode(self, data: bytes, codec: CodecName, max_depth: int) -> T:
        """Raises InteropError(INVALID_ARGUMENT or RESOURCE_EXHAUSTED) on bad input."""
        if codec == "msgpack":
            return self.msgpack_read(unpack_tree(data), 1, max_depth)
        if codec == "json":
            return self.json_read(parse_json(data), 1, max_depth)
        if codec == "protobuf" and self.pb_read is not None:
            try:
                return self.pb_read(PbReader(data, max_depth))
            except CodecError as e:
                raise InteropError(e.code, f"{self.name}{e.path}: {e.detail}") from None
        if codec == "flatbuffers" and self.fb_read is not None:
            try:
                r = FbReader(data, max_depth)
                return self.fb_read(r, r.root())
            except CodecError as e:
                raise InteropError(e.code, f"{self.name}{e.path}: {e.detail}") from None
        raise invalid(f"codec {codec!r} is not supported")
