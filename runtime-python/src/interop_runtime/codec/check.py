"""The value checks of every IDL type (docs/wire.md §3.4): what a value must be to be sent.
TypeCodec.encode runs a type's generated check before writing anything, and the direct
transport runs it on calls that are never encoded, so a value is refused on every path alike,
with the error runtime-ts gives (`Message.tags[3]: expected string, got 5`). A check never
converts: a value passes unchanged or is refused. The one liberty: an `int` is accepted where an
f32 or f64 is declared (Python's own rule, and mypy's); the writers send it as a float.

Generated checks test the common case inline (`type(x) is int and lo <= x <= hi`) and call a
helper here only when that test fails; the helper raises, or accepts what the inline test leaves
out (an int for a float, a bytearray for bytes). Paths are built only as an error unwinds: each
container or struct adds its segment (`.tags`, `[3]`, `["key"]`) in an `except` clause."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from ..errors import ErrorCode, InteropError


class CodecError(InteropError):
    """A value that does not fit its type. `detail` says what is wrong, `path` where (it grows as
    the error unwinds); TypeCodec.validate gives the message `<type><path>: <detail>`."""

    def __init__(self, detail: str, path: str = "") -> None:
        super().__init__(ErrorCode.INVALID_ARGUMENT, detail)
        self.detail = detail
        self.path = path


def describe(value: Any) -> str:
    """How an error shows the value it refused: short values as they are, the rest by kind."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"an int of {value.bit_length()} bits"
    if value is None or isinstance(value, (bool, int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if len(value) <= 40 else "a string"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "bytes"
    name = type(value).__name__
    return f"an {name}" if name[:1] in "aeiouAEIOU" else f"a {name}"


def mismatch(type_name: str, value: Any, path: str = "") -> CodecError:
    """`expected i32, got 1.5`."""
    return CodecError(f"expected {type_name}, got {describe(value)}", path)


def within(error: CodecError, segment: str) -> CodecError:
    """Prepends a path segment to an error on its way up."""
    error.path = segment + error.path
    return error


def index_of(items: Any, item: Any) -> str:
    """The path segment `[i]` of the element that failed: the first element that is `item`
    (an element that is the same object as the failing one fails as well, so it is that one)."""
    for i, x in enumerate(items):
        if x is item:
            return f"[{i}]"
    return "[?]"


def key_of(key: Any, string_keys: bool) -> str:
    """The path segment of a map entry: `["text"]` for string keys, `[7]` for the others."""
    if string_keys:
        return "[" + (json.dumps(key, ensure_ascii=False) if isinstance(key, str) else repr(key)) + "]"
    return f"[{int(key) if isinstance(key, int) and not isinstance(key, bool) else key!r}]"


# ---- helpers for when the inline test fails: each raises unless the value is acceptable ----
# (bool and the integer types need none: their inline test is exact, and generated code raises
# mismatch() itself. An integer field takes an `int` only: not a bool, nor an enum member.)

_FLOAT_MAX = sys.float_info.max


def check_float(value: Any, type_name: str, path: str) -> None:
    """A float (or subclass), or an int whose value a double can hold: written as a float."""
    if isinstance(value, float):
        return
    if type(value) is int and -_FLOAT_MAX <= value <= _FLOAT_MAX:
        return
    raise mismatch(type_name, value, path)


_SURROGATE = re.compile("[\ud800-\udfff]")


def check_str(value: Any, path: str) -> None:
    """Valid Unicode: no surrogate code point, which UTF-8 cannot hold."""
    if not isinstance(value, str):
        raise mismatch("string", value, path)
    found = _SURROGATE.search(value)
    if found is not None:
        raise CodecError(f"expected string, got one with a lone surrogate "
                         f"(U+{ord(found.group()):04X} at index {found.start()})", path)


def check_bytes(value: Any, path: str) -> None:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise mismatch("bytes", value, path)


def check_enum(value: Any, cls: type[int], type_name: str, path: str) -> None:
    """A member of the enum's class (known or not), in i32 range; a plain int is refused."""
    if not isinstance(value, cls):
        raise mismatch(type_name, value, path)
    if not -(2**31) <= int(value) <= 2**31 - 1:
        raise mismatch("i32", value, path)


def check_list(value: Any, path: str) -> None:
    if not isinstance(value, list):
        raise mismatch("list", value, path)


def check_map(value: Any, path: str) -> None:
    if not isinstance(value, dict):
        raise mismatch("a dict", value, path)
