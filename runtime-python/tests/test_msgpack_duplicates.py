"""msgpack maps with a repeated key are INVALID_ARGUMENT, as in JSON (docs/wire.md §3.1, §3.2):
msgpack-python alone would keep the last value silently. Struct field ids, map keys of every key
type, nested maps, union maps; canonical input and accepted variations still decode."""

from __future__ import annotations

import types
from typing import Any

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.codec.msgpack_canonical import unpack_tree
from interop_runtime.codec.type_codec import TypeCodec

MAX_DEPTH = 64


def codec(module: types.ModuleType, name: str) -> TypeCodec[Any]:
    found: TypeCodec[Any] = module.CODECS[name]
    return found


REPEATED = [
    # type, msgpack hex, what repeats
    ("Point", "830101" "0202" "0103", "struct field id 1"),
    ("Point", "de00030101" "0202" "0101", "struct field id 1, map16 header, same value"),
    ("MapStr", "82a16101a16102", "string key 'a'"),
    ("MapI32", "8201a17801a179", "integer key 1"),
    ("MapI64", "82d0ffa178ffa179", "negative key -1 in two integer formats"),
    ("MapU64", "82cf0000000000000005a178cc05a179", "key 5 as uint64 and uint8"),
    ("MapColor", "820101" "0102", "enum key RED"),
    ("MapNested", "81a16182" "0190" "0190", "inner map's integer key"),
    ("Line", "82018201000200" "02820100010002", "field id inside a nested struct"),
    ("Value", "8202010205", "union case id twice"),
]


@pytest.mark.parametrize(("type_name", "hex_input", "what"), REPEATED, ids=[r[2] for r in REPEATED])
def test_repeated_key_is_invalid_argument(vectors_module: types.ModuleType, type_name: str,
                                          hex_input: str, what: str) -> None:
    with pytest.raises(InteropError) as info:
        codec(vectors_module, type_name).decode(bytes.fromhex(hex_input), "msgpack", MAX_DEPTH)
    assert info.value.code == ErrorCode.INVALID_ARGUMENT, info.value
    assert "duplicate" in info.value.message


def test_unpack_tree_names_the_key() -> None:
    with pytest.raises(InteropError) as info:
        unpack_tree(bytes.fromhex("82a36b657901a36b657902"))
    assert info.value.code == ErrorCode.INVALID_ARGUMENT and "'key'" in info.value.message


def test_unhashable_key_is_invalid_argument() -> None:
    # A map whose key is itself a map: no schema allows it, and it must not escape as TypeError.
    with pytest.raises(InteropError) as info:
        unpack_tree(bytes.fromhex("81" "8101" "02" "03"))
    assert info.value.code == ErrorCode.INVALID_ARGUMENT


def test_distinct_keys_still_decode(vectors_module: types.ModuleType) -> None:
    # Keys equal in value are duplicates whatever their format; distinct ones are fine in any order
    # and any header size.
    map16 = bytes.fromhex("de0002" "02a179" "01a178")
    assert codec(vectors_module, "MapI32").decode(map16, "msgpack", MAX_DEPTH) == {1: "x", 2: "y"}
    point = codec(vectors_module, "Point").decode(bytes.fromhex("82" "0203" "0102"), "msgpack", MAX_DEPTH)
    assert (point.x, point.y) == (2, 3)
    assert unpack_tree(bytes.fromhex("80")) == {}
