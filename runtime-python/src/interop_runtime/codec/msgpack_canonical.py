"""Canonical msgpack (docs/wire.md §3.2) on top of the `msgpack` package.

Generated encoders turn a value into a plain tree (dicts already in canonical key order, lists,
ints, str, bytes, bool, None, floats); msgpack-python then writes it. It already picks the
smallest int/str/bin/array/map formats and keeps dict order. What it cannot do alone is mix
float32 and float64 in one call, so an f32 travels in the tree as `F32` and a tree that may hold
one (the generator knows statically) is written piece by piece, with a second packer configured
for single floats.
"""

from __future__ import annotations

import math
from typing import Any

import msgpack  # type: ignore[import-untyped]  # ships no type information

from ..errors import exhausted, invalid


class F32(float):
    """Marks a float that must be written as msgpack float32 (`ca`)."""

    __slots__ = ()


_NAN = math.nan


def canon_f64(value: float) -> float:
    """Replaces any NaN (sign, payload) by the one quiet NaN §3.2 allows."""
    return _NAN if value != value else value


def canon_f32(value: float) -> F32:
    return F32(_NAN if value != value else value)


_double_packer = msgpack.Packer(use_bin_type=True, autoreset=True)
_single_packer = msgpack.Packer(use_bin_type=True, use_single_float=True, autoreset=True)


def _write_mixed(node: Any, out: bytearray) -> None:
    if isinstance(node, dict):
        out += _double_packer.pack_map_header(len(node))
        for key, value in node.items():
            out += _double_packer.pack(key)
            _write_mixed(value, out)
    elif isinstance(node, list):
        out += _double_packer.pack_array_header(len(node))
        for item in node:
            _write_mixed(item, out)
    elif isinstance(node, F32):
        out += _single_packer.pack(float(node))
    else:
        out += _double_packer.pack(node)


def _fix_surrogates(node: Any) -> Any:
    """A Python str may hold lone surrogates, which have no UTF-8: §3.1/§3.2 write U+FFFD."""
    if isinstance(node, str):
        return node.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if isinstance(node, dict):
        return {_fix_surrogates(k): _fix_surrogates(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_fix_surrogates(v) for v in node]
    return node


def pack_tree(tree: Any, has_f32: bool) -> bytes:
    try:
        if not has_f32:
            packed: bytes = _double_packer.pack(tree)
            return packed
        out = bytearray()
        _write_mixed(tree, out)
        return bytes(out)
    except UnicodeEncodeError:
        return pack_tree(_fix_surrogates(tree), has_f32)


def _no_ext(code: int, data: bytes) -> Any:
    raise invalid(f"msgpack ext type {code} is not allowed")


def unpack_tree(data: bytes) -> Any:
    """Decodes one msgpack value. Every length is bounded by the bytes received before anything
    is allocated (a map of n entries needs 2n bytes, an array n), and msgpack's own nesting stack
    stops runaway depth; the generated decoders then enforce max_depth as they walk."""
    size = len(data)
    try:
        return msgpack.unpackb(
            data,
            raw=False,
            strict_map_key=False,
            use_list=True,
            ext_hook=_no_ext,
            max_str_len=size,
            max_bin_len=size,
            max_array_len=size,
            max_map_len=size // 2,
            max_ext_len=0,
        )
    except msgpack.StackError:
        raise exhausted("msgpack nesting too deep") from None
    except msgpack.ExtraData:
        raise invalid("extra bytes after the msgpack value") from None
    except UnicodeDecodeError as e:
        raise invalid(f"msgpack string is not valid UTF-8: {e}") from None
    except (ValueError, TypeError) as e:  # truncated input, length over limit, unhashable key
        raise invalid(f"malformed msgpack: {e}") from None
