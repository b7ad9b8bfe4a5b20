"""Generated readers test the cheap things inline (a value's type, an integer's range, a
container's type and depth) and call the runtime's helper only when that test fails: the helper
then converts the value or raises the error it always raised. These cases go through both paths
of each kind of inline check, on trees as a codec parses them."""

from __future__ import annotations

import math
import types
from typing import Any

import pytest

from interop_runtime import ErrorCode, InteropError

INVALID = ErrorCode.INVALID_ARGUMENT
EXHAUSTED = ErrorCode.RESOURCE_EXHAUSTED


def read(module: types.ModuleType, name: str, codec: str, tree: Any, max_depth: int = 64) -> Any:
    reader = getattr(module, f"_{'mr' if codec == 'msgpack' else 'jr'}_{name}")
    return reader(tree, 1, max_depth)


def fails(module: types.ModuleType, name: str, codec: str, tree: Any, code: ErrorCode, message: str,
          max_depth: int = 64) -> None:
    with pytest.raises(InteropError) as info:
        read(module, name, codec, tree, max_depth)
    assert info.value.code == code
    assert message in info.value.message, info.value.message


def test_scalar_fields_take_the_inline_path_and_the_helper_path(vectors_module: types.ModuleType) -> None:
    m = vectors_module
    p = read(m, "Point", "msgpack", {1: -5, 2: 2**31 - 1})
    assert (p.x, p.y) == (-5, 2**31 - 1)
    fails(m, "Point", "msgpack", {1: 2**31}, INVALID, "Point.x: 2147483648 is out of range")
    fails(m, "Point", "msgpack", {2: True}, INVALID, "Point.y: expected an integer, got bool")
    fails(m, "Point", "msgpack", {1: 1.0}, INVALID, "Point.x: expected an integer, got float")
    # JSON tolerates 1.0 for an integer (JS producers): converted by the helper.
    p = read(m, "Point", "json", {"x": 3.0, "y": -1})
    assert p.x == 3 and type(p.x) is int
    # A float field takes a JSON integer (JSON numbers have no kind), converted to float; msgpack
    # has a float format, which an encoder always writes, so an integer there is refused.
    d = read(m, "Defaults", "json", {"ratio": 2})
    assert d.ratio == 2.0 and type(d.ratio) is float
    fails(m, "Defaults", "msgpack", {5: 2}, INVALID, "Defaults.ratio: expected a float, got int")
    assert read(m, "Defaults", "json", {"ratio": "NaN"}).ratio != read(m, "Defaults", "json", {}).ratio
    assert math.isnan(read(m, "Defaults", "json", {"ratio": "NaN"}).ratio)
    fails(m, "Defaults", "msgpack", {2: b"x"}, INVALID, "Defaults.name: expected a string, got bytes")
    fails(m, "Defaults", "msgpack", {8: 1}, INVALID, "Defaults.flag: expected bool, got int")
    fails(m, "Defaults", "msgpack", {9: "x"}, INVALID, "Defaults.data: expected bytes, got str")
    fails(m, "Defaults", "msgpack", {6: -1}, INVALID, "Defaults.big: -1 is out of range")
    fails(m, "Defaults", "msgpack", {1: None}, INVALID, "Defaults.count: expected an integer, got NoneType")


def test_missing_fields_take_their_zero_or_default(vectors_module: types.ModuleType) -> None:
    m = vectors_module
    for codec in ("msgpack", "json"):
        d = read(m, "Defaults", codec, {})
        assert (d.count, d.name, d.ratio, d.big, d.note, d.flag, d.data, d.counts, d.level) == (
            7, "anon", 1.5, 2**64 - 1, None, False, b"", {}, 0)
        assert d.color == m.Color.RED and d.tags == []
        d.tags.append("mine")  # a fresh list each time
        assert read(m, "Defaults", codec, {}).tags == []
    fails(m, "Line", "msgpack", {1: {}}, INVALID, "Line.to: required field is missing")


def test_containers_of_checked_scalars(vectors_module: types.ModuleType) -> None:
    m = vectors_module
    o = read(m, "Optionals", "msgpack", {1: None, 4: [1, None, 3], 5: {"a": None, "b": "x"}})
    assert (o.a, o.d, o.e) == (None, [1, None, 3], {"a": None, "b": "x"})
    fails(m, "Optionals", "msgpack", {4: [1, "2"]}, INVALID, "Optionals.d: expected an integer, got str")
    fails(m, "Optionals", "msgpack", {4: [2**31]}, INVALID, "Optionals.d: 2147483648 is out of range")
    fails(m, "Optionals", "msgpack", {5: {1: "x"}}, INVALID, "Optionals.e: expected a string, got int")
    fails(m, "Optionals", "msgpack", {5: {"k": 1}}, INVALID, "Optionals.e: expected a string, got int")
    fails(m, "Optionals", "msgpack", {4: {}}, INVALID, "Optionals.d: expected a list, got dict")
    fails(m, "Optionals", "msgpack", {5: []}, INVALID, "Optionals.e: expected a map/object, got list")
    fails(m, "Defaults", "msgpack", {10: {"a": 1, "b": 2**40}}, INVALID, "Defaults.counts: 1099511627776 is out of range")
    # JSON integers inside a map may be spelled 1.0: converted, so the map is rebuilt.
    assert read(m, "Defaults", "json", {"counts": {"a": 1.0}}).counts == {"a": 1}
    assert type(read(m, "Defaults", "json", {"counts": {"a": 1.0}}).counts["a"]) is int
    assert read(m, "MapU8", "msgpack", {255: "x"}) == {255: "x"}
    fails(m, "MapU8", "msgpack", {256: "x"}, INVALID, "MapU8: 256 is out of range")
    assert read(m, "MapU8", "json", {"7": "x"}) == {7: "x"}
    assert read(m, "MaybeStrings", "msgpack", ["a", None]) == ["a", None]
    fails(m, "MaybeStrings", "msgpack", ["a", 1], INVALID, "expected a string, got int")
    assert read(m, "MapColor", "msgpack", {400: 1, 9: 2}) == {m.Color.ULTRAVIOLET: 1, m.Color(9): 2}


def test_depth_is_checked_inline(vectors_module: types.ModuleType) -> None:
    m = vectors_module
    tree = {1: "root", 2: [{1: "child", 2: [{1: "leaf"}]}]}
    # root map 1, its list 2, child map 3, its list 4, leaf map 5
    assert read(m, "Tree", "msgpack", tree, max_depth=5).children[0].children[0].label == "leaf"
    fails(m, "Tree", "msgpack", tree, EXHAUSTED, "max_depth 4", max_depth=4)
    fails(m, "Tree", "msgpack", tree, EXHAUSTED, "max_depth 1", max_depth=1)
    assert read(m, "Matrix", "msgpack", [[1, 2], []], max_depth=2) == [[1, 2], []]
    fails(m, "Matrix", "msgpack", [[1, 2]], EXHAUSTED, "max_depth 1", max_depth=1)
    fails(m, "Matrix", "msgpack", [[1, "2"]], INVALID, "Matrix: expected an integer, got str")
    # An unknown field is skipped, its depth still counted.
    assert read(m, "Point", "msgpack", {1: 1, 9: [[]]}, max_depth=3).x == 1
    fails(m, "Point", "msgpack", {1: 1, 9: [[]]}, EXHAUSTED, "max_depth 2", max_depth=2)
    fails(m, "Point", "msgpack", [], INVALID, "Point: expected a map/object, got list")


def test_decoded_structs_are_complete_dataclasses(vectors_module: types.ModuleType) -> None:
    m = vectors_module
    p = read(m, "Point", "msgpack", {1: 1, 2: 2})
    assert p == m.Point(x=1, y=2) and repr(p) == "Point(x=1, y=2)"
    codec = m.CODECS["Ordering"]
    value = m.Ordering(zeta=-1, alpha="a", mid=True, last=255)
    assert codec.decode(codec.encode(value, "msgpack"), "msgpack", 64) == value
