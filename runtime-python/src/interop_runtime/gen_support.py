"""Everything generated code calls, in one import (`import interop_runtime.gen_support as _g`).
Generated code depends on these names: change them only together with the Python target
(compiler/src/targets/python)."""

from __future__ import annotations

from typing import Any, TypeVar

from .codec.check import (
    CodecError, check_bytes, check_enum, check_float, check_list, check_map, check_str, index_of,
    key_of, mismatch, within,
)
from .codec.json_canonical import json_bool, json_bytes, json_f32, json_f64, json_i64, json_str
from .codec.msgpack_canonical import canon_f32, canon_f64
from .codec.read import (
    I8, I16, I32, I64, U8, U16, U32, U64, missing, read_base64, read_bin, read_bool, read_f32,
    read_f64, read_int, read_int_text, read_json_int, read_json_f32, read_json_f64, read_list, read_map,
    read_nil, read_one_entry, read_str, skip_unknown, unknown_case,
)
from .codec.flatbuffers import (
    F32 as FB_F32, F64 as FB_F64, I8 as FB_I8, I16 as FB_I16, I32 as FB_I32, I64 as FB_I64, U8 as FB_U8,
    U16 as FB_U16, U32 as FB_U32, U64 as FB_U64, FbLayouts, FbReader, FbWriter, fb_f32, fb_f64,
)
from .codec.flatbuffers import duplicate_key as fb_duplicate_key
from .codec.flatbuffers import key_path as fb_key_path
from .codec.flatbuffers import missing as fb_missing
from .codec.flatbuffers import union_case as fb_union_case
from .codec.flatbuffers import unknown_case as fb_unknown_case
from .codec.protobuf import PbReader, varint, w_bytes, w_enum, w_f32, w_f64, w_message, w_sint, w_str
from .errors import invalid
from .open_enum import OpenEnum

__all__ = [
    "CodecError", "check_bytes", "check_enum", "check_float", "check_list", "check_map", "check_str",
    "index_of", "key_of", "mismatch", "within",
    "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "MISSING",
    "json_bool", "json_bytes", "json_f32", "json_f64", "json_i64", "json_str", "json_enum",
    "json_enum_key", "canon_f32", "canon_f64", "missing", "read_base64", "read_bin", "read_bool",
    "read_f32", "read_f64", "read_int", "read_int_text", "read_json_int", "read_json_f32", "read_json_f64",
    "read_list", "read_map", "read_nil", "read_one_entry", "read_str", "skip_unknown",
    "unknown_case", "read_json_enum", "read_json_enum_key", "unique_keys", "duplicate_key",
    "sorted_map", "PbReader", "varint", "w_bytes", "w_enum", "w_f32", "w_f64", "w_message", "w_sint",
    "w_str", "pb_duplicate", "pb_missing", "pb_one_case", "pb_unknown_case",
    "FB_F32", "FB_F64", "FB_I8", "FB_I16", "FB_I32", "FB_I64", "FB_U8", "FB_U16", "FB_U32", "FB_U64",
    "FbLayouts", "FbReader", "FbWriter", "fb_f32", "fb_f64", "fb_duplicate_key", "fb_key_path", "fb_missing",
    "fb_union_case", "fb_unknown_case",
]

E = TypeVar("E", bound=OpenEnum)
K = TypeVar("K")
V = TypeVar("V")

#: Marks a struct field absent from the received map (distinct from a null value).
MISSING: Any = object()


def json_enum(value: OpenEnum) -> str:
    """An enum in JSON: its member name, or the bare number for a value from a newer schema."""
    name = value.name
    return '"' + name + '"' if name is not None else str(int(value))


def json_enum_key(value: OpenEnum) -> str:
    """An enum as a JSON map key: member name, or the decimal value, always a string."""
    name = value.name
    return '"' + (name if name is not None else str(int(value))) + '"'


def read_json_enum(cls: type[E], value: Any, what: str) -> E:
    if type(value) is str:
        member = cls.from_name(value)
        if member is None:
            raise invalid(f"{what}: unknown {cls.__name__} member {value[:40]!r}")
        return member
    return cls(read_json_int(value, I32, what))


def read_json_enum_key(cls: type[E], key: str, what: str) -> E:
    member = cls.from_name(key)
    if member is not None:
        return member
    return cls(read_int_text(key, I32, what))


def unique_keys(result: dict[K, V], source: dict[str, Any], what: str) -> dict[K, V]:
    """A JSON map whose keys were converted (integers, enums): `result` has fewer entries than
    the object `source` it was read from when two key texts read as the same value, such as "0"
    and "-0", or "BLUE" and "3". That is a duplicate key (docs/wire.md §3.1)."""
    if len(result) != len(source):
        raise duplicate_key(result, source, what)
    return result


def duplicate_key(result: dict[Any, Any], source: dict[str, Any], what: str) -> Exception:
    """The error for a map that lost entries to keys of the same value: finds the two key texts
    (each one already read without error, so reading them again cannot fail)."""
    cls = type(next(iter(result)))
    seen: dict[Any, str] = {}
    for text in source:
        member = cls.from_name(text) if issubclass(cls, OpenEnum) else None
        key = member if member is not None else int(text)
        if key in seen:
            return invalid(f"{what}: duplicate map key: {seen[key][:40]!r} and {text[:40]!r} are the same key")
        seen[key] = text
    return invalid(f"{what}: duplicate map key")


def sorted_map(value: dict[K, V]) -> dict[K, V]:
    """A map in canonical (ascending key) order for the msgpack writer: the map itself when it is
    already in that order (a decoded map, or one built in order), else a sorted copy."""
    keys = sorted(value)  # type: ignore[type-var]  # keys are ints, strings or enums
    if keys == list(value):
        return value
    return {key: value[key] for key in keys}


# ---- protobuf (codec/protobuf.py) ----


def pb_duplicate() -> CodecError:
    return CodecError("duplicate field")


def pb_missing() -> CodecError:
    """A non-optional struct or union (without a zero value) that the message lacks."""
    return CodecError("missing required field")


def pb_one_case(union: str) -> CodecError:
    return CodecError(f"expected exactly one {union} case")


def pb_unknown_case(union: str, n: int) -> CodecError:
    return CodecError(f"unknown {union} case id {n}")

