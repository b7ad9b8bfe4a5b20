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


#: The one quiet NaN §3.2 allows.
NAN = math.nan


def canon_f64(value: float) -> float:
    """The float to write for an f64: a float always, even for an int (§3.2 writes float64 `cb`
    whatever number type the program used), and the one quiet NaN §3.2 allows for any NaN.
    Generated encoders call it only for a value that is not already a non-NaN float."""
    value = float(value)
    return NAN if value != value else value


def canon_f32(value: float) -> F32:
    return F32(NAN if value != value else value)


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
    """A Python str may hold lone surrogates, which have no UTF-8. A value never reaches here with
    one (its check refused it, docs/wire.md §3.4); text that is not a value, such as an error
    envelope's message, is written with U+FFFD in their place."""
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


def _unique_map(pairs: list[tuple[Any, Any]]) -> dict[Any, Any]:
    """Builds each decoded map from its entries and rejects a key given twice (docs/wire.md
    §3.2): msgpack-python would silently keep the last value. A key that cannot be a dict key
    (a map or an array) raises TypeError, reported as INVALID_ARGUMENT by unpack_tree."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise invalid(f"duplicate key in msgpack map: {_first_duplicate(pairs)!r:.40}")
    return obj


def _first_duplicate(pairs: list[tuple[Any, Any]]) -> Any:
    seen: set[Any] = set()
    for key, _ in pairs:
        if key in seen:
            return key
        seen.add(key)
    return None  # unreachable: only called when a key repeats


def unpack_tree(data: bytes) -> Any:
    """Decodes one msgpack value. Every length is bounded by the bytes received before anything
    is allocated (a map of n entries needs 2n bytes, an array n), msgpack's own nesting stack
    stops runaway depth, and a map with a repeated key is INVALID_ARGUMENT; the generated
    decoders then enforce max_depth as they walk."""
    # unpackb's own defaults are the bounds wanted here (pinned msgpack 1.1.2, documented): every
    # max_*_len from len(data) (max_map_len len(data) // 2), raw=False, use_list=True. Passing
    # them again cost about 0.2 µs per call in argument parsing.
    try:
        return msgpack.unpackb(data, strict_map_key=False, ext_hook=_no_ext, object_pairs_hook=_unique_map)
    except msgpack.StackError:
        raise exhausted("msgpack nesting too deep") from None
    except msgpack.ExtraData:
        raise invalid("extra bytes after the msgpack value") from None
    except UnicodeDecodeError as e:
        raise invalid(f"msgpack string is not valid UTF-8: {e}") from None
    except ValueError as e:
        if "exceeds max_" in str(e) or (str(e).endswith("incomplete input") and _length_past_end(data)):
            raise exhausted(f"msgpack declares more than the payload holds: {e}") from None
        raise invalid(f"malformed msgpack: {e}") from None
    except TypeError as e:  # e.g. a map key that is itself a map or array
        raise invalid(f"malformed msgpack: {e}") from None


# Sizes of the length field of str/bin/ext formats, by first byte.
_LENGTH_FIELD = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4, 0xC7: 1, 0xC8: 2, 0xC9: 4}
_FIXED_SIZE = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4,
               0xCB: 8, 0xD4: 2, 0xD5: 3, 0xD6: 5, 0xD7: 9, 0xD8: 17}
_COUNT_FIELD = {0xDC: (2, 1), 0xDD: (4, 1), 0xDE: (2, 2), 0xDF: (4, 2)}


def _length_past_end(data: bytes) -> bool:
    """Only on the error path, after msgpack said "incomplete input": tells a declared str/bin
    length that runs past the payload (RESOURCE_EXHAUSTED, §5 element counts) from a value cut
    short (INVALID_ARGUMENT). Walks headers only; never allocates from a declared length."""
    pos, end, items = 0, len(data), 1
    while items > 0 and pos < end:
        items -= 1
        b = data[pos]
        pos += 1
        if b <= 0x7F or b >= 0xE0 or b in (0xC0, 0xC2, 0xC3):
            continue
        if 0xA0 <= b <= 0xBF:
            length = b & 0x1F
        elif 0x90 <= b <= 0x9F or 0x80 <= b <= 0x8F:
            items += (b & 0x0F) * (2 if b <= 0x8F else 1)
            continue
        elif b in _FIXED_SIZE:
            pos += _FIXED_SIZE[b]
            continue
        elif b in _COUNT_FIELD:
            size, per = _COUNT_FIELD[b]
            if pos + size > end:
                return False
            items += int.from_bytes(data[pos:pos + size], "big") * per
            pos += size
            continue
        elif b in _LENGTH_FIELD:
            size = _LENGTH_FIELD[b]
            if pos + size > end:
                return False
            length = int.from_bytes(data[pos:pos + size], "big") + (1 if b >= 0xC7 and b <= 0xC9 else 0)
            pos += size
        else:
            return False
        if pos + length > end:
            return True
        pos += length
    return False
