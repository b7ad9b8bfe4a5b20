"""Checked accessors that generated decoders call on the plain tree a codec parsed. Each one
either returns the value with its declared Python type or raises InteropError: INVALID_ARGUMENT
for a value that does not fit the schema, RESOURCE_EXHAUSTED for nesting past max_depth.

Depth: the outermost container is level 1 (docs/wire.md §5); a decoder passes `depth` = the level
the value would occupy if it is a container."""

from __future__ import annotations

import base64
import binascii
import math
import re
from typing import Any

from ..errors import exhausted, invalid
from .json_canonical import f32_round

I8 = (-(2**7), 2**7 - 1)
I16 = (-(2**15), 2**15 - 1)
I32 = (-(2**31), 2**31 - 1)
I64 = (-(2**63), 2**63 - 1)
U8 = (0, 2**8 - 1)
U16 = (0, 2**16 - 1)
U32 = (0, 2**32 - 1)
U64 = (0, 2**64 - 1)


def _kind(value: Any) -> str:
    return type(value).__name__


def check_depth(depth: int, max_depth: int) -> None:
    if depth > max_depth:
        raise exhausted(f"nesting deeper than max_depth {max_depth}")


def skip(value: Any, depth: int, max_depth: int) -> None:
    """Checks the depth of a value nobody reads (an unknown field): it still counts (§3.2)."""
    if isinstance(value, dict):
        check_depth(depth, max_depth)
        for item in value.values():
            skip(item, depth + 1, max_depth)
    elif isinstance(value, list):
        check_depth(depth, max_depth)
        for item in value:
            skip(item, depth + 1, max_depth)


def read_map(value: Any, depth: int, max_depth: int, what: str) -> dict[Any, Any]:
    if type(value) is not dict:
        raise invalid(f"{what}: expected a map/object, got {_kind(value)}")
    check_depth(depth, max_depth)
    return value


def read_list(value: Any, depth: int, max_depth: int, what: str) -> list[Any]:
    if type(value) is not list:
        raise invalid(f"{what}: expected a list, got {_kind(value)}")
    check_depth(depth, max_depth)
    return value


def skip_unknown(obj: dict[Any, Any], known: frozenset[Any], depth: int, max_depth: int) -> None:
    """Called only when a struct holds keys the schema does not know (a newer peer's fields)."""
    for key, item in obj.items():
        if key not in known:
            skip(item, depth + 1, max_depth)


def missing(what: str) -> Exception:
    return invalid(f"{what}: required field is missing")


def read_bool(value: Any, what: str) -> bool:
    if type(value) is not bool:
        raise invalid(f"{what}: expected bool, got {_kind(value)}")
    return value


def read_int(value: Any, bounds: tuple[int, int], what: str) -> int:
    """An integer in range (a msgpack integer of any format)."""
    if type(value) is not int:
        raise invalid(f"{what}: expected an integer, got {_kind(value)}")
    number: int = value
    if not bounds[0] <= number <= bounds[1]:
        raise invalid(f"{what}: {number} is out of range")
    return number


def read_json_int(value: Any, bounds: tuple[int, int], what: str) -> int:
    """A JSON integer in range. Spellings such as `1.0` or `1e3` are tolerated, since JS
    producers cannot tell them apart from integers."""
    if type(value) is float and value.is_integer():
        value = int(value)
    return read_int(value, bounds, what)


_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)")


def read_int_text(value: Any, bounds: tuple[int, int], what: str) -> int:
    """A JSON i64/u64 (a decimal string; a JSON number is accepted too) or an integer map key."""
    if type(value) is str:
        if len(value) > 21 or not _DECIMAL.fullmatch(value):
            raise invalid(f"{what}: {value[:40]!r} is not a decimal integer")
        value = int(value)
    return read_json_int(value, bounds, what)


def read_f64(value: Any, what: str) -> float:
    """A msgpack float32/float64: an integer is refused, as a float is for an integer type (an
    encoder always writes a float, docs/wire.md §3.2)."""
    if type(value) is float:
        return float(value)
    raise invalid(f"{what}: expected a float, got {_kind(value)}")


def read_f32(value: Any, what: str) -> float:
    return f32_round(read_f64(value, what))


_JSON_FLOAT_WORDS = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def read_json_f64(value: Any, what: str) -> float:
    """A JSON number (which has no integer/float distinction), or one of the words for NaN and
    the infinities."""
    kind = type(value)
    if kind is float or kind is int:
        return float(value)
    if kind is str:
        word = _JSON_FLOAT_WORDS.get(value)
        if word is None:
            raise invalid(f"{what}: {value[:40]!r} is not a number")
        return word
    raise invalid(f"{what}: expected a number, got {_kind(value)}")


def read_json_f32(value: Any, what: str) -> float:
    return f32_round(read_json_f64(value, what))


def read_str(value: Any, what: str) -> str:
    if type(value) is not str:
        raise invalid(f"{what}: expected a string, got {_kind(value)}")
    return value


def read_bin(value: Any, what: str) -> bytes:
    if type(value) is not bytes:
        raise invalid(f"{what}: expected bytes, got {_kind(value)}")
    return value


def read_base64(value: Any, what: str) -> bytes:
    text = read_str(value, what)
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise invalid(f"{what}: not valid base64") from None


def read_nil(value: Any, what: str) -> None:
    if value is not None:
        raise invalid(f"{what}: expected nil/null, got {_kind(value)}")


def read_one_entry(obj: dict[Any, Any], what: str) -> tuple[Any, Any]:
    """A union is a map with exactly one entry."""
    if len(obj) != 1:
        raise invalid(f"{what}: a union needs exactly one case, got {len(obj)}")
    return next(iter(obj.items()))


def unknown_case(case: Any, what: str) -> Exception:
    return invalid(f"{what}: unknown union case {str(case)[:40]!r}")
