"""Canonical JSON (docs/wire.md §3.1). Generated encoders build the text from these helpers;
`parse_json` is the one entry point for decoding."""

from __future__ import annotations

import base64
import json
import math
import struct
from json.encoder import encode_basestring  # the C-accelerated one, with the escaping §3.1 wants
from typing import Any, NoReturn

from ..errors import exhausted, invalid

_F32 = struct.Struct("<f")


def f32_round(value: float) -> float:
    """The nearest f32, as a Python float (overflow becomes ±inf, like a C cast)."""
    try:
        return float(_F32.unpack(_F32.pack(value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def _ecma_digits(text: str) -> str:
    """Formats a positive, finite, non-zero number given as Python exponent or fixed text with the
    shortest round-trip digits, the way ECMAScript Number.prototype.toString lays them out."""
    mantissa, _, exp_text = text.partition("e")
    int_part, _, frac_part = mantissa.partition(".")
    digits = int_part + frac_part
    point = len(int_part) + (int(exp_text) if exp_text else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0")
    k = len(digits)
    if k <= point <= 21:
        return digits + "0" * (point - k)
    if 0 < point <= 21:
        return digits[:point] + "." + digits[point:]
    if -6 < point <= 0:
        return "0." + "0" * (-point) + digits
    exp = point - 1
    sign = "+" if exp >= 0 else "-"
    head = digits[0] if k == 1 else digits[0] + "." + digits[1:]
    return f"{head}e{sign}{abs(exp)}"


def _special(value: float) -> str | None:
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    return None


def json_f64(value: float) -> str:
    if type(value) is not float:
        value = float(value)  # an int (or a float subclass) passed as an f64: its float's digits
    special = _special(value)
    if special is not None:
        return special
    text = _ecma_digits(repr(abs(value)))
    return "-" + text if value < 0 else text


def json_f32(value: float) -> str:
    """Shortest digits that round-trip through f32 (the value is first rounded to f32)."""
    value = f32_round(value)
    special = _special(value)
    if special is not None:
        return special
    magnitude = abs(value)
    text = repr(magnitude)
    for precision in range(1, 10):
        candidate = f"{magnitude:.{precision - 1}e}"
        if f32_round(float(candidate)) == magnitude:
            text = candidate
            break
    text = _ecma_digits(text)
    return "-" + text if value < 0 else text


def json_str(value: str) -> str:
    return encode_basestring(value)


def json_bytes(value: bytes) -> str:
    return '"' + base64.b64encode(value).decode("ascii") + '"'


def json_bool(value: bool) -> str:
    return "true" if value else "false"


def json_i64(value: int) -> str:
    return '"' + str(value) + '"'


def json_text_to_bytes(text: str) -> bytes:
    """UTF-8 of the encoded text. Values hold no lone surrogate (their check refused it, §3.4);
    in text that is not a value, such as an error envelope's message, one becomes U+FFFD and a
    split surrogate pair is joined, as JS would see it."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return fixed.encode("utf-8")


def _reject_constant(name: str) -> NoReturn:
    raise invalid(f"JSON constant {name} is not allowed")


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise invalid("duplicate key in JSON object")
    return obj


def _parse_int(text: str) -> int | float:
    # "-0" is an integer literal to Python but the float -0.0 to JSON readers of f32/f64; integer
    # readers accept it either way (it is integral).
    return -0.0 if text == "-0" else int(text)


_decoder = json.JSONDecoder(
    object_pairs_hook=_unique_object, parse_constant=_reject_constant, parse_int=_parse_int)


def parse_json(data: bytes) -> Any:
    """Parses one JSON document (no surrounding whitespace tolerated beyond what JSON allows)
    into plain Python values. Depth is checked by the generated decoders as they walk."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise invalid(f"JSON payload is not valid UTF-8: {e}") from None
    try:
        return _decoder.decode(text)
    except RecursionError:
        raise exhausted("JSON nesting too deep") from None
    except ValueError as e:  # JSONDecodeError, or an integer past Python's digit limit
        raise invalid(f"malformed JSON: {e}") from None
