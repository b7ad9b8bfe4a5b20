"""TypeCodec: the per-type object generated code builds from its four generated functions. The
runtime encodes and decodes payloads only through it, so it never needs to know a schema."""

from __future__ import annotations

from typing import Any, Callable, Generic, Literal, TypeVar

from ..errors import invalid
from .json_canonical import json_text_to_bytes, parse_json
from .msgpack_canonical import pack_tree, unpack_tree

T = TypeVar("T")

CodecName = Literal["json", "msgpack"]

JsonWrite = Callable[[T], str]
#: (tree, depth, max_depth). A reader owns the tree it is given: lists and maps of it may become
#: parts of the value it returns.
TreeRead = Callable[[Any, int, int], T]
MsgpackTree = Callable[[T], Any]


class TypeCodec(Generic[T]):
    """Encodes and decodes one payload type in every codec. `json_write` returns canonical JSON
    text; `msgpack_tree` a plain tree for pack_tree; the readers check a parsed tree."""

    __slots__ = ("name", "json_write", "json_read", "msgpack_tree", "msgpack_read", "has_f32")

    def __init__(
        self,
        name: str,
        json_write: JsonWrite[T],
        json_read: TreeRead[T],
        msgpack_tree: MsgpackTree[T],
        msgpack_read: TreeRead[T],
        has_f32: bool,
    ) -> None:
        self.name = name
        self.json_write = json_write
        self.json_read = json_read
        self.msgpack_tree = msgpack_tree
        self.msgpack_read = msgpack_read
        self.has_f32 = has_f32

    def encode(self, value: T, codec: CodecName) -> bytes:
        if codec == "msgpack":
            return pack_tree(self.msgpack_tree(value), self.has_f32)
        if codec == "json":
            return json_text_to_bytes(self.json_write(value))
        raise invalid(f"codec {codec!r} is not supported")

    def decode(self, data: bytes, codec: CodecName, max_depth: int) -> T:
        """Raises InteropError(INVALID_ARGUMENT or RESOURCE_EXHAUSTED) on bad input."""
        if codec == "msgpack":
            return self.msgpack_read(unpack_tree(data), 1, max_depth)
        if codec == "json":
            return self.json_read(parse_json(data), 1, max_depth)
        raise invalid(f"codec {codec!r} is not supported")
