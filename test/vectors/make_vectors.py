#!/usr/bin/env python3
"""Reference generator for the golden vectors: rewrites payloads.json, frames.json and handshake.json.

Run from anywhere:  python3 test/vectors/make_vectors.py

This is the independent oracle of docs/wire.md: its encoders are written straight from that
document, with the Python 3.11 standard library only, and share no code with any runtime. The
output is deterministic, so a diff after a run is a change of contract.

The schema of vectors.interop is mirrored by hand in SCHEMA below (the compiler is not used, to
keep the oracle independent); keep the two in step.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import sys

sys.dont_write_bytecode = True  # keep __pycache__ out of the tree
from frames import frame_vectors  # noqa: E402  (after the flag above)
from handshake import handshake_vectors  # noqa: E402

HERE = Path(__file__).resolve().parent
MODULE = "interop.vectors"

# ---------------------------------------------------------------------------------------------
# Types. A type is a tuple: ("scalar", name) | ("list", T) | ("map", K, V) | ("optional", T)
# | ("ref", name). Written as IDL type text and parsed, so SCHEMA reads like vectors.interop.

SCALARS = {"bool", "i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "f32", "f64", "string", "bytes"}
INT_RANGES = {
    "i8": (-(2**7), 2**7 - 1), "i16": (-(2**15), 2**15 - 1),
    "i32": (-(2**31), 2**31 - 1), "i64": (-(2**63), 2**63 - 1),
    "u8": (0, 2**8 - 1), "u16": (0, 2**16 - 1), "u32": (0, 2**32 - 1), "u64": (0, 2**64 - 1),
}


def parse_type(text: str):
    def parse(s: str, i: int):
        j = i
        while j < len(s) and (s[j].isalnum() or s[j] == "_"):
            j += 1
        word = s[i:j]
        if word in ("list", "optional", "map"):
            assert s[j] == "<", text
            args = []
            j += 1
            while True:
                arg, j = parse(s, j)
                args.append(arg)
                if s[j] == ",":
                    j += 1
                    continue
                assert s[j] == ">", text
                return (word, *args), j + 1
        if word in SCALARS:
            return ("scalar", word), j
        return ("ref", word), j

    t, end = parse(text.replace(" ", ""), 0)
    assert end == len(text.replace(" ", "")), text
    return t


def struct_decl(kind: str, *fields):
    """fields: (id, name, type text, default or NO_DEFAULT, optional?)"""
    return {"kind": kind, "fields": [
        {"id": f[0], "name": f[1], "type": parse_type(f[2]),
         "default": f[3] if len(f) > 3 else NO_DEFAULT, "optional": len(f) > 4 and f[4]}
        for f in fields]}


NO_DEFAULT = object()
OPT = True

SCHEMA = {
    **{name: {"kind": "alias", "type": parse_type(t)} for name, t in [
        ("Bool", "bool"), ("I8", "i8"), ("I16", "i16"), ("I32", "i32"), ("I64", "i64"),
        ("U8", "u8"), ("U16", "u16"), ("U32", "u32"), ("U64", "u64"), ("F32", "f32"),
        ("F64", "f64"), ("Str", "string"), ("Bin", "bytes"),
        ("Ints", "list<i32>"), ("Longs", "list<i64>"), ("Flags", "list<bool>"),
        ("Matrix", "list<list<i64>>"), ("Points", "list<Point>"),
        ("MaybeStrings", "list<optional<string>>"),
        ("MapI8", "map<i8,string>"), ("MapI16", "map<i16,string>"), ("MapI32", "map<i32,string>"),
        ("MapI64", "map<i64,string>"), ("MapU8", "map<u8,string>"), ("MapU16", "map<u16,string>"),
        ("MapU32", "map<u32,string>"), ("MapU64", "map<u64,string>"), ("MapStr", "map<string,i32>"),
        ("MapColor", "map<Color,i32>"), ("MapNested", "map<string,map<i32,list<string>>>"),
        ("MapMaybe", "map<string,optional<u8>>"), ("MaybeI32", "optional<i32>"),
    ]},
    "Color": {"kind": "enum", "members": [("RED", 1), ("GREEN", 2), ("BLUE", 3), ("INFRARED", -1), ("ULTRAVIOLET", 400)]},
    "Point": struct_decl("struct", (1, "x", "i32"), (2, "y", "i32")),
    "Line": struct_decl("struct", (1, "from", "Point"), (2, "to", "Point")),
    "AllScalars": struct_decl(
        "struct", (1, "flag", "bool"), (2, "i8v", "i8"), (3, "i16v", "i16"), (4, "i32v", "i32"),
        (5, "i64v", "i64"), (6, "u8v", "u8"), (7, "u16v", "u16"), (8, "u32v", "u32"),
        (9, "u64v", "u64"), (10, "f32v", "f32"), (11, "f64v", "f64"), (12, "text", "string"),
        (13, "data", "bytes"), (14, "color", "Color")),
    "Ordering": struct_decl("struct", (1, "zeta", "i32"), (2, "alpha", "string"), (300, "mid", "bool"),
                            (536870911, "last", "u8")),
    "Defaults": struct_decl(
        "struct", (1, "count", "i32", 7), (2, "name", "string", "anon"), (3, "color", "Color"),
        (4, "tags", "list<string>"), (5, "ratio", "f64", 1.5), (6, "big", "u64", 2**64 - 1),
        (7, "note", "string", NO_DEFAULT, OPT), (8, "flag", "bool"), (9, "data", "bytes"),
        (10, "counts", "map<string,i32>"), (11, "level", "i8")),
    "Optionals": struct_decl(
        "struct", (1, "a", "i32", NO_DEFAULT, OPT), (2, "b", "string", NO_DEFAULT, OPT),
        (3, "c", "Point", NO_DEFAULT, OPT), (4, "d", "list<optional<i32>>"),
        (5, "e", "map<string,optional<string>>")),
    "Tree": struct_decl("struct", (1, "label", "string"), (2, "children", "list<Tree>")),
    "Value": {"kind": "union", "cases": [
        (1, "nothing", None), (2, "num", parse_type("i64")), (3, "text", parse_type("string")),
        (4, "point", parse_type("Point")), (5, "items", parse_type("list<Value>")),
        (200, "color", parse_type("Color"))]},
    "Failure": struct_decl("error", (1, "code", "u32"), (2, "reason", "string"),
                           (3, "where", "Point", NO_DEFAULT, OPT)),
}


def resolve(t):
    """Follows aliases: a ref to an alias is the aliased type itself."""
    while t[0] == "ref" and SCHEMA[t[1]]["kind"] == "alias":
        t = SCHEMA[t[1]]["type"]
    return t


# ---------------------------------------------------------------------------------------------
# Numbers. JSON floats are ECMAScript Number::toString of the shortest round-tripping digits
# (docs/wire.md §3.1); for f32 the digits must round-trip through f32.

def f32(x: float) -> float:
    """The nearest f32 value, as a Python float (exact, f32 is a subset of f64)."""
    return struct.unpack(">f", struct.pack(">f", x))[0]


def _neighbours(x: float, bits: int):
    """Exact values of the next float below and above positive finite x, for a `bits`-wide float."""
    fmt, ifmt = (">f", ">I") if bits == 32 else (">d", ">Q")
    raw = struct.unpack(ifmt, struct.pack(fmt, x))[0]
    down = Fraction(struct.unpack(fmt, struct.pack(ifmt, raw - 1))[0]) if raw > 0 else -Fraction(
        struct.unpack(fmt, struct.pack(ifmt, 1))[0])
    up_val = struct.unpack(fmt, struct.pack(ifmt, raw + 1))[0]
    if math.isinf(up_val):  # above the largest finite value: the next power of two
        up = 2 * Fraction(x) - down
    else:
        up = Fraction(up_val)
    return down, up, raw & 1 == 0


def _round_trips(candidate: Fraction, x: float, bits: int) -> bool:
    """True when `candidate`, read back with round-half-even, gives exactly x."""
    v = Fraction(x)
    down, up, even = _neighbours(x, bits)
    lo, hi = (v + down) / 2, (v + up) / 2
    if lo < candidate < hi:
        return True
    return even and candidate in (lo, hi)


def shortest_digits(x: float, bits: int):
    """(digits, n) with x = 0.d1d2…dk × 10^n, the shortest digit string that round-trips through
    a `bits`-wide float, and of those the closest to x. x is positive and finite."""
    exact = Decimal(x)
    for precision in range(1, 18):
        nearest = Decimal(format(exact, f".{precision - 1}e"))
        sign, digits, exponent = nearest.as_tuple()
        step = Decimal((0, (1,), exponent))
        found = [c for c in (nearest - step, nearest, nearest + step)
                 if c > 0 and len(c.normalize().as_tuple().digits) <= precision
                 and _round_trips(Fraction(c), x, bits)]
        if found:
            best = min(found, key=lambda c: abs(Fraction(c) - Fraction(x)))
            _, digits, exponent = best.normalize().as_tuple()
            text = "".join(map(str, digits))
            return text, len(text) + exponent
    raise AssertionError(f"no shortest form for {x!r}")


def ecmascript_number(digits: str, n: int) -> str:
    """ECMAScript Number::toString, steps 6-10, for x = 0.digits × 10^n."""
    k = len(digits)
    if k <= n <= 21:
        return digits + "0" * (n - k)
    if 0 < n <= 21:
        return digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def json_float(x: float, bits: int) -> str:
    if math.isnan(x):
        return '"NaN"'
    if math.isinf(x):
        return '"Infinity"' if x > 0 else '"-Infinity"'
    if x == 0:
        return "-0" if math.copysign(1, x) < 0 else "0"
    digits, n = shortest_digits(abs(x), bits)
    if bits == 64:  # cross-check against CPython's own shortest repr (a second, independent algorithm)
        d = Decimal(repr(abs(x))).normalize().as_tuple()
        assert ("".join(map(str, d.digits)), len(d.digits) + d.exponent) == (digits, n), x
    return ("-" if x < 0 else "") + ecmascript_number(digits, n)


# ---------------------------------------------------------------------------------------------
# Canonical JSON (docs/wire.md §3.1).

JSON_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def json_string(s: str) -> str:
    out = []
    for ch in s:
        if ch in JSON_SHORT_ESCAPES:
            out.append(JSON_SHORT_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)  # raw UTF-8, U+2028/2029 and DEL included
    return '"' + "".join(out) + '"'


def enum_members(name: str):
    return SCHEMA[name]["members"]


def enum_json(name: str, value: int) -> str:
    for member, v in enum_members(name):
        if v == value:
            return json_string(member)
    return str(value)  # an unknown value travels as its number


def json_key(t, key) -> str:
    t = resolve(t)
    if t == ("scalar", "string"):
        return json_string(key)
    if t[0] == "ref":  # enum
        text = enum_json(t[1], key)
        return text if text.startswith('"') else json_string(text)
    return json_string(str(key))


def json_key_value(t, text: str):
    """A JSON map key read as a value of its key type (§3.1), or None when it is not one. Integers
    are decimal text without a sign for >= 0 and without leading zeros, as an encoder writes them,
    and also "-0" (0); an enum key is a member name or such a number (any i32)."""
    t = resolve(t)
    if t == ("scalar", "string"):
        return text
    digits = text[1:] if text.startswith("-") else text
    number = int(text) if digits.isascii() and digits.isdigit() and (digits == "0" or digits[0] != "0") else None
    lo, hi = INT_RANGES["i32" if t[0] == "ref" else t[1]]
    if t[0] == "ref":
        named = dict(enum_members(t[1])).get(text)
        if named is not None:
            return named
    return number if number is not None and lo <= number <= hi else None


def typed_key_repeats(t, tree) -> bool:
    """Whether a map in `tree` (JSON parsed with each object as its list of pairs) holds two keys
    that are one value of its key type. Walks lists, optionals and maps; the duplicate-key vectors
    hold no typed map inside a struct or union."""
    t = resolve(t)
    if t[0] == "optional":
        return tree is not None and typed_key_repeats(t[1], tree)
    if t[0] == "list":
        return any(typed_key_repeats(t[1], x) for x in tree)
    if t[0] == "map":
        keys = [json_key_value(t[1], k) for k, _ in tree]
        assert None not in keys, tree
        return len(set(keys)) != len(keys) or any(typed_key_repeats(t[2], x) for _, x in tree)
    return False


def sort_key(t, key):
    """Map entries: integers and enums by numeric value, strings by their UTF-8 bytes."""
    return key.encode("utf-8") if resolve(t) == ("scalar", "string") else key


def fields_of(decl, value: dict):
    """(field, value) for each present field in ascending id order; checks the value's shape."""
    assert set(value) <= {f["name"] for f in decl["fields"]}, value
    for f in sorted(decl["fields"], key=lambda f: f["id"]):
        if f["name"] in value and value[f["name"]] is not None:
            yield f, value[f["name"]]
        else:
            assert f["optional"], f"required field {f['name']} missing"


def to_json(t, v) -> str:
    t = resolve(t)
    kind = t[0]
    if kind == "optional":
        return "null" if v is None else to_json(t[1], v)
    if kind == "list":
        return "[" + ",".join(to_json(t[1], item) for item in v) + "]"
    if kind == "map":
        entries = sorted(v.items(), key=lambda e: sort_key(t[1], e[0]))
        return "{" + ",".join(json_key(t[1], k) + ":" + to_json(t[2], x) for k, x in entries) + "}"
    if kind == "ref":
        decl = SCHEMA[t[1]]
        if decl["kind"] == "enum":
            return enum_json(t[1], v)
        if decl["kind"] == "union":
            case_name, payload = v
            case = next(c for c in decl["cases"] if c[1] == case_name)
            inner = "null" if case[2] is None else to_json(case[2], payload)
            return "{" + json_string(case_name) + ":" + inner + "}"
        return "{" + ",".join(json_string(f["name"]) + ":" + to_json(f["type"], x)
                              for f, x in fields_of(decl, v)) + "}"
    name = t[1]
    if name == "bool":
        assert isinstance(v, bool)
        return "true" if v else "false"
    if name in INT_RANGES:
        lo, hi = INT_RANGES[name]
        assert isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi, (name, v)
        return f'"{v}"' if name in ("i64", "u64") else str(v)
    if name in ("f32", "f64"):
        assert name == "f64" or math.isnan(v) or f32(v) == v, "f32 vectors must hold f32 values"
        return json_float(v, 32 if name == "f32" else 64)
    if name == "string":
        return json_string(v)
    if name == "bytes":
        return json_string(base64.b64encode(v).decode("ascii"))
    raise AssertionError(t)


# ---------------------------------------------------------------------------------------------
# Canonical msgpack (docs/wire.md §3.2), from the msgpack spec's format table.

def mp_int(v: int) -> bytes:
    if 0 <= v <= 0x7F:
        return bytes([v])                                   # positive fixint 0xxxxxxx
    if -32 <= v < 0:
        return bytes([v & 0xFF])                            # negative fixint 111xxxxx
    if v > 0:
        for tag, fmt, limit in ((0xCC, ">B", 2**8), (0xCD, ">H", 2**16), (0xCE, ">I", 2**32), (0xCF, ">Q", 2**64)):
            if v < limit:
                return bytes([tag]) + struct.pack(fmt, v)
    for tag, fmt, limit in ((0xD0, ">b", 2**7), (0xD1, ">h", 2**15), (0xD2, ">i", 2**31), (0xD3, ">q", 2**63)):
        if v >= -limit:
            return bytes([tag]) + struct.pack(fmt, v)
    raise AssertionError(v)


def mp_header(n: int, fix_base: int, fix_max: int, tags) -> bytes:
    """A length header: the fix form when n fits, else the first of tags (8/16/32-bit) that holds n."""
    if fix_base is not None and n <= fix_max:
        return bytes([fix_base | n])
    for tag, fmt, limit in tags:
        if tag is not None and n < limit:
            return bytes([tag]) + struct.pack(fmt, n)
    raise AssertionError(n)


def mp_str(s: str) -> bytes:
    raw = s.encode("utf-8")
    return mp_header(len(raw), 0xA0, 31, ((0xD9, ">B", 2**8), (0xDA, ">H", 2**16), (0xDB, ">I", 2**32))) + raw


def mp_bin(b: bytes) -> bytes:
    return mp_header(len(b), None, 0, ((0xC4, ">B", 2**8), (0xC5, ">H", 2**16), (0xC6, ">I", 2**32))) + b


def mp_array(n: int) -> bytes:
    return mp_header(n, 0x90, 15, ((None, "", 0), (0xDC, ">H", 2**16), (0xDD, ">I", 2**32)))


def mp_map(n: int) -> bytes:
    return mp_header(n, 0x80, 15, ((None, "", 0), (0xDE, ">H", 2**16), (0xDF, ">I", 2**32)))


def mp_float(v: float, bits: int) -> bytes:
    if bits == 32:
        return b"\xca" + (bytes.fromhex("7fc00000") if math.isnan(v) else struct.pack(">f", v))
    return b"\xcb" + (bytes.fromhex("7ff8000000000000") if math.isnan(v) else struct.pack(">d", v))


def to_msgpack(t, v) -> bytes:
    t = resolve(t)
    kind = t[0]
    if kind == "optional":
        return b"\xc0" if v is None else to_msgpack(t[1], v)
    if kind == "list":
        return mp_array(len(v)) + b"".join(to_msgpack(t[1], item) for item in v)
    if kind == "map":
        entries = sorted(v.items(), key=lambda e: sort_key(t[1], e[0]))
        return mp_map(len(entries)) + b"".join(to_msgpack(t[1], k) + to_msgpack(t[2], x) for k, x in entries)
    if kind == "ref":
        decl = SCHEMA[t[1]]
        if decl["kind"] == "enum":
            return mp_int(v)
        if decl["kind"] == "union":
            case_name, payload = v
            case = next(c for c in decl["cases"] if c[1] == case_name)
            inner = b"\xc0" if case[2] is None else to_msgpack(case[2], payload)
            return mp_map(1) + mp_int(case[0]) + inner
        present = list(fields_of(decl, v))
        return mp_map(len(present)) + b"".join(mp_int(f["id"]) + to_msgpack(f["type"], x) for f, x in present)
    name = t[1]
    if name == "bool":
        return b"\xc3" if v else b"\xc2"
    if name in INT_RANGES:
        lo, hi = INT_RANGES[name]
        assert lo <= v <= hi, (name, v)
        return mp_int(v)
    if name in ("f32", "f64"):
        return mp_float(v, 32 if name == "f32" else 64)
    if name == "string":
        return mp_str(v)
    if name == "bytes":
        return mp_bin(v)
    raise AssertionError(t)


def mp_skip(b: bytes, i: int = 0, depth: int = 1) -> tuple[int, int]:
    """Walks one msgpack value from i: (end offset, deepest container level). A self-check that
    every vector is one well-formed value; not a decoder."""
    tag = b[i]
    if tag <= 0x7F or tag >= 0xE0 or tag in (0xC0, 0xC2, 0xC3):
        return i + 1, depth - 1
    sizes = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8, 0xCA: 4, 0xCB: 8}
    if tag in sizes:
        return i + 1 + sizes[tag], depth - 1
    if 0xA0 <= tag <= 0xBF:
        return i + 1 + (tag & 0x1F), depth - 1
    lengths = {0xD9: 1, 0xDA: 2, 0xDB: 4, 0xC4: 1, 0xC5: 2, 0xC6: 4}
    if tag in lengths:
        w = lengths[tag]
        return i + 1 + w + int.from_bytes(b[i + 1:i + 1 + w], "big"), depth - 1
    if 0x90 <= tag <= 0x9F or 0x80 <= tag <= 0x8F:
        n, j, is_map = tag & 0x0F, i + 1, tag < 0x90
    elif tag in (0xDC, 0xDD, 0xDE, 0xDF):
        w = 2 if tag in (0xDC, 0xDE) else 4
        n, j, is_map = int.from_bytes(b[i + 1:i + 1 + w], "big"), i + 1 + w, tag >= 0xDE
    else:
        raise AssertionError(f"unexpected tag {tag:#x}")
    deepest = depth
    for _ in range(n * (2 if is_map else 1)):
        j, d = mp_skip(b, j, depth + 1)
        deepest = max(deepest, d)
    return j, deepest


def json_depth(text: str) -> int:
    """Deepest container level of a JSON text (outermost = 1)."""
    def walk(x, d):
        if isinstance(x, list):
            return max([d] + [walk(e, d + 1) for e in x])
        if isinstance(x, dict):
            return max([d] + [walk(e, d + 1) for e in x.values()])
        return d - 1
    return walk(json.loads(text), 1)


# ---------------------------------------------------------------------------------------------
# Hand-checked vectors: bytes worked out by hand from the msgpack spec's format table and
# docs/wire.md, asserted against the encoders above so that an encoder bug cannot slip by.

HAND_CHECKED = [
    # positive fixint 0x00-0x7f holds 127; 128 needs uint8 (0xcc + 1 byte)
    ("I16", 127, "127", "7f"),
    ("I16", 128, "128", "cc80"),
    # negative fixint 0xe0-0xff holds -32 (0xe0); -33 needs int8 (0xd0, two's complement 0xdf)
    ("I8", -32, "-32", "e0"),
    ("I8", -33, "-33", "d0df"),
    # -32769 is below int16's range: int32 0xd2 ffff7fff
    ("I32", -32769, "-32769", "d2ffff7fff"),
    # u64 max: uint64 0xcf + 8 x 0xff; JSON carries 64-bit integers as strings
    ("U64", 2**64 - 1, '"18446744073709551615"', "cfffffffffffffffff"),
    # i64 min: int64 0xd3 80 00.. ; 2^32 needs uint64 even though the type is signed
    ("I64", -(2**63), '"-9223372036854775808"', "d38000000000000000"),
    ("I64", 2**32, '"4294967296"', "cf0000000100000000"),
    # f32 0.1 is 0x3dcccccd; its shortest f32 digits are "0.1" (f64 would need 0.10000000149011612)
    ("F32", f32(0.1), "0.1", "ca3dcccccd"),
    # f64 1e21 switches ECMAScript to exponent form; 1e21 = 0x444b1ae4d6e2ef50
    ("F64", 1e21, "1e+21", "cb444b1ae4d6e2ef50"),
    # -0 keeps its sign in both codecs: float64 sign bit only
    ("F64", -0.0, "-0", "cb8000000000000000"),
    # canonical quiet NaN, sign clear
    ("F64", math.nan, '"NaN"', "cb7ff8000000000000"),
    # "é" is 2 UTF-8 bytes (c3 a9): fixstr 0xa0|2
    ("Str", "é", '"é"', "a2c3a9"),
    # struct: map keyed by field id; field 300 needs uint16 (cd 012c), 536870911 uint32 (ce 1fffffff)
    ("Ordering", {"zeta": 1, "alpha": "a", "mid": True, "last": 255},
     '{"zeta":1,"alpha":"a","mid":true,"last":255}', "840101" "02a161" "cd012cc3" "ce1fffffffccff"),
    # union: a one-entry map, case id 200 is uint8 (cc c8); unit case value is nil
    ("Value", ("color", 400), '{"color":"ULTRAVIOLET"}', "81ccc8cd0190"),
    ("Value", ("nothing", None), '{"nothing":null}', "8101c0"),
    # map<u64, …>: 2^63 sorts after 10 (unsigned, numeric), "10" sorts after "2" only as numbers
    ("MapU64", {2**63: "b", 10: "a", 2: "c"}, '{"2":"c","10":"a","9223372036854775808":"b"}',
     "8302a1630aa161cf8000000000000000a162"),
]


def check_hand_vectors():
    for type_name, value, want_json, want_mp in HAND_CHECKED:
        t = ("ref", type_name)
        assert to_json(t, value) == want_json, (type_name, value, to_json(t, value), want_json)
        assert to_msgpack(t, value).hex() == want_mp, (type_name, value, to_msgpack(t, value).hex(), want_mp)


# ---------------------------------------------------------------------------------------------
# The vectors.

BOUNDARIES = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**63 - 1, 2**64 - 1,
              -1, -32, -33, -128, -129, -32768, -32769, -(2**31), -(2**31) - 1, -(2**63)]


def from_integer_vectors():
    """An f32/f64 given as an integer (a Python int, a C integer): encoders write the float it
    converts to (to the nearest f64, then for an f32 to the nearest f32), never an integer."""
    out = []
    for type_name, n, note in [
        ("F64", 0, None), ("F64", 3, None), ("F64", -7, None), ("F64", 2**53, None),
        ("F64", 2**53 + 1, "not a double: the nearest one, 2^53, ties to even"),
        ("F64", 10**21, "written as ECMAScript writes the float: 1e+21"),
        ("F64", -(2**63), None), ("F64", 2**64 - 1, "rounds up to 2^64"),
        ("F32", 1, None), ("F32", -2, None), ("F32", 2**24 + 1, "not an f32: the nearest one, 2^24"),
        ("F32", 10**10, None),
    ]:
        t = ("ref", type_name)
        value = float(n) if type_name == "F64" else f32(float(n))
        entry = {"name": f"{type_name.lower()} from the integer {n}", "type": f"{MODULE}.{type_name}",
                 "integer": str(n), "json": to_json(t, value), "msgpack": to_msgpack(t, value).hex()}
        if note:
            entry["note"] = note
        out.append(entry)
    return out


def value_vectors():
    out = []

    def add(name, type_name, value, note=None):
        t = ("ref", type_name)
        entry = {"name": name, "type": f"{MODULE}.{type_name}", "json": to_json(t, value),
                 "msgpack": to_msgpack(t, value).hex()}
        if note:
            entry["note"] = note
        out.append(entry)

    add("bool false", "Bool", False)
    add("bool true", "Bool", True)

    for name in ("i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"):
        lo, hi = INT_RANGES[name]
        for v in sorted({lo, hi, *[b for b in BOUNDARIES if lo <= b <= hi]}):
            role = " (min)" if v == lo else " (max)" if v == hi else ""
            add(f"{name} {v}{role}", name.upper(), v)

    f64_values = [
        (0.0, None), (-0.0, "negative zero keeps its sign"), (0.1, None), (1.5, None), (-1.5, None),
        (100.0, "integral: no fraction digits"), (123.456, None),
        (1e20, "largest decimal-exponent JSON form without exponent"), (1e21, "ECMAScript exponent form"),
        (1e-6, "0.000001 in ECMAScript"), (1e-7, "ECMAScript exponent form"), (1.23e-18, None),
        (2.0**53, None), (5e-324, "smallest subnormal"), (2.2250738585072014e-308, "smallest normal"),
        (1.7976931348623157e308, "largest finite"), (math.nan, "canonical quiet NaN"),
        (math.inf, None), (-math.inf, None),
    ]
    for v, note in f64_values:
        add(f"f64 {json_float(v, 64).strip(chr(34))}", "F64", v, note)
    f32_values = [
        (0.0, None), (-0.0, None), (f32(0.1), "shortest digits through f32: 0.1"), (1.5, None),
        (f32(1 / 3), None), (f32(3.4028234663852886e38), "f32 max"), (2.0**-149, "smallest f32 subnormal"),
        (2.0**24, None), (1e10, None), (f32(-2.5e-3), None), (math.nan, "canonical quiet NaN"),
        (math.inf, None), (-math.inf, None),
    ]
    for v, note in f32_values:
        add(f"f32 {json_float(v, 32).strip(chr(34))}", "F32", v, note)

    add("string empty", "Str", "")
    add("string a", "Str", "a")
    for n, note in ((31, "fixstr max"), (32, "str8"), (255, "str8 max"), (256, "str16"),
                    (65535, "str16 max"), (65536, "str32")):
        add(f"string {n} bytes", "Str", "".join(chr(ord("a") + i % 26) for i in range(n)), note)
    add("string 16 x é (32 bytes)", "Str", "é" * 16, "lengths count UTF-8 bytes, not characters: str8")
    add("string é", "Str", "é")
    add("string 中", "Str", "中")
    add("string emoji", "Str", "😀", "4 UTF-8 bytes, a surrogate pair in UTF-16")
    add("string mixed", "Str", "héllo 中文 😀")
    add("string escapes", "Str", "\x00\x01\b\t\n\x0b\f\r\x1f\"\\/\x7f",
        "only quote, backslash and U+0000-U+001F are escaped; / and DEL are raw")
    add("string U+2028 U+2029", "Str", "a\u2028b\u2029c", "raw UTF-8 in JSON, never escaped")

    add("bytes empty", "Bin", b"")
    add("bytes one", "Bin", b"\x00", "base64 with == padding")
    add("bytes two", "Bin", b"\x00\xff", "base64 with = padding")
    add("bytes binary", "Bin", bytes([0x00, 0xFF, 0x80, 0x7F, 0x0A, 0x22, 0x5C]))
    for n, note in ((255, "bin8 max"), (256, "bin16"), (65535, "bin16 max"), (65536, "bin32")):
        add(f"bytes {n}", "Bin", bytes(i % 256 for i in range(n)), note)

    add("list empty", "Ints", [])
    add("list ints", "Ints", [1, -1, 2147483647, -2147483648])
    add("list 15", "Ints", list(range(15)), "fixarray max")
    add("list 16", "Ints", list(range(16)), "array16")
    add("list 65535", "Ints", [0] * 65535, "array16 max")
    add("list 65536", "Ints", [0] * 65536, "array32")
    add("list i64", "Longs", [1, -(2**63), 2**63 - 1])
    add("list bool", "Flags", [True, False, True])
    add("list nested", "Matrix", [[], [1], [1, 2]])
    add("list structs", "Points", [{"x": 1, "y": 2}, {"x": -3, "y": 0}])
    add("list optionals", "MaybeStrings", ["a", None, ""], "null / nil for an absent element")

    add("map i8 keys", "MapI8", {127: "max", -128: "min", 0: "zero", -1: "minus one", 10: "ten", 9: "nine"},
        "sorted numerically: -128 before -1, 9 before 10")
    add("map i16 keys", "MapI16", {32767: "max", -32768: "min", -129: "a", 128: "b", 2: "c", 10: "d"})
    add("map i32 keys", "MapI32", {2**31 - 1: "max", -(2**31): "min", -32769: "a", 65536: "b", 2: "c", 10: "d"})
    add("map i64 keys", "MapI64", {2**63 - 1: "max", -(2**63): "min", -(2**31) - 1: "a", 2**32: "b", 2: "c", 10: "d"})
    add("map u8 keys", "MapU8", {255: "max", 0: "min", 2: "c", 10: "d", 128: "e"})
    add("map u16 keys", "MapU16", {65535: "max", 256: "a", 2: "c", 10: "d"})
    add("map u32 keys", "MapU32", {2**32 - 1: "max", 65536: "a", 2: "c", 10: "d"})
    add("map u64 keys", "MapU64", {2**64 - 1: "max", 2**63: "high bit", 2**32: "a", 2: "c", 10: "d"},
        "unsigned order: 2^63 sorts after 2^32")
    add("map string keys", "MapStr", {"z": 7, "😀": 6, "\uff61": 5, "é": 4, "ab": 3, "a": 2, "B": 1, "": 0},
        "sorted by UTF-8 bytes: U+FF61 (ef bd a1) before U+1F600 (f0 9f 98 80), unlike UTF-16 order")
    add("map enum keys", "MapColor", {1: 10, -1: -10, 400: 400, 7: 7, 3: 30},
        "sorted by value; the unknown value 7 is written as a number")
    add("map empty", "MapStr", {})
    add("map 15", "MapStr", {f"k{i:02}": i for i in range(15)}, "fixmap max")
    add("map 16", "MapStr", {f"k{i:02}": i for i in range(16)}, "map16")
    add("map nested", "MapNested", {"b": {2: ["x"], -1: []}, "a": {}})
    add("map optional values", "MapMaybe", {"some": 0, "none": None}, "null / nil for an absent value")

    add("optional present", "MaybeI32", 5)
    add("optional absent", "MaybeI32", None, "top level (like a result): null / nil")

    add("enum first member", "Color", 1)
    add("enum negative", "Color", -1)
    add("enum wide", "Color", 400)
    add("enum unknown", "Color", 7, "kept and re-encoded as its number")
    add("enum unknown negative", "Color", -1000)

    add("struct point", "Point", {"x": 1, "y": -1})
    add("struct zeros", "Point", {"x": 0, "y": 0}, "non-optional fields are always written")
    add("struct nested", "Line", {"from": {"x": 0, "y": 0}, "to": {"x": 3, "y": 4}})
    add("struct ordering", "Ordering", {"zeta": 1, "alpha": "a", "mid": True, "last": 255},
        "JSON keys in field-id order, not by name")
    add("struct all scalars min", "AllScalars", {
        "flag": False, "i8v": -128, "i16v": -32768, "i32v": -(2**31), "i64v": -(2**63), "u8v": 0,
        "u16v": 0, "u32v": 0, "u64v": 0, "f32v": -math.inf, "f64v": -1.7976931348623157e308,
        "text": "", "data": b"", "color": -1})
    add("struct all scalars max", "AllScalars", {
        "flag": True, "i8v": 127, "i16v": 32767, "i32v": 2**31 - 1, "i64v": 2**63 - 1, "u8v": 255,
        "u16v": 65535, "u32v": 2**32 - 1, "u64v": 2**64 - 1, "f32v": f32(3.4028234663852886e38),
        "f64v": math.nan, "text": "中文", "data": b"\xff", "color": 400})
    add("struct defaults written", "Defaults", {
        "count": 7, "name": "anon", "color": 1, "tags": [], "ratio": 1.5, "big": 2**64 - 1,
        "flag": False, "data": b"", "counts": {}, "level": 0},
        "values equal to the defaults are still written")
    add("struct optionals absent", "Optionals", {"d": [], "e": {}}, "absent optional fields are omitted")
    add("struct optionals present", "Optionals", {
        "a": 0, "b": "", "c": {"x": 1, "y": 2}, "d": [None, 1], "e": {"x": None, "y": "z"}})
    add("struct recursive", "Tree", {"label": "root", "children": [
        {"label": "a", "children": []}, {"label": "b", "children": [{"label": "c", "children": []}]}]})

    add("union unit case", "Value", ("nothing", None))
    add("union i64 case", "Value", ("num", -(2**63)))
    add("union string case", "Value", ("text", "hi"))
    add("union struct case", "Value", ("point", {"x": 1, "y": 2}))
    add("union list case", "Value", ("items", [("nothing", None), ("num", 1), ("items", [])]))
    add("union enum case", "Value", ("color", 2), "case id 200 needs uint8")
    add("union enum case unknown value", "Value", ("color", 99))
    add("union depth 64", "Value", nested_values(32, ("items", [])),
        "32 nested unions, the innermost with an empty list: the deepest container is at level 64, the limit")

    add("error with optional", "Failure", {"code": 42, "reason": "too big", "where": {"x": 1, "y": 2}})
    add("error without optional", "Failure", {"code": 0, "reason": ""})
    return out


def nested_values(count: int, innermost):
    """`count` Value unions, each holding the next in a one-element items list."""
    v = innermost
    for _ in range(count - 1):
        v = ("items", [v])
    return v


# ---------------------------------------------------------------------------------------------
# Accepted non-canonical inputs, and rejected inputs. Inputs are hand-made; the canonical
# re-encoding comes from the encoders above.

def decode_only_vectors():
    out = []

    def add(name, type_name, codec, raw, value, note):
        t = ("ref", type_name)
        canonical = to_json(t, value) if codec == "json" else to_msgpack(t, value).hex()
        entry = {"name": name, "type": f"{MODULE}.{type_name}", "codec": codec, "input": raw,
                 "canonical": canonical, "note": note}
        out.append(entry)

    add("i64 as JSON number", "I64", "json", "123", 123, "64-bit integers are also accepted as JSON numbers")
    add("i64 min as JSON number", "I64", "json", "-9223372036854775808", -(2**63),
        "must be exact: more digits than a double holds")
    add("u64 max as JSON number", "U64", "json", "18446744073709551615", 2**64 - 1, "must be exact")
    add("struct i64 fields as JSON numbers", "AllScalars", "json",
        '{"flag":true,"i8v":1,"i16v":1,"i32v":1,"i64v":9007199254740993,"u8v":1,"u16v":1,"u32v":1,'
        '"u64v":9007199254740993,"f32v":1,"f64v":1,"text":"","data":"","color":"RED"}',
        {"flag": True, "i8v": 1, "i16v": 1, "i32v": 1, "i64v": 2**53 + 1, "u8v": 1, "u16v": 1, "u32v": 1,
         "u64v": 2**53 + 1, "f32v": 1.0, "f64v": 1.0, "text": "", "data": b"", "color": 1},
        "2^53+1 is not a double: a decoder that goes through a double gets 2^53")

    add("i32 in int32 format", "I32", "msgpack", "d200000001", 1, "any integer format whose value fits")
    add("u8 in uint64 format", "U8", "msgpack", "cf0000000000000005", 5, "any integer format whose value fits")
    add("u8 in int8 format", "U8", "msgpack", "d005", 5, "a signed format holding a non-negative value")
    add("i8 -1 in int64 format", "I8", "msgpack", "d3ffffffffffffffff", -1, "any integer format whose value fits")
    add("i64 in uint8 format", "I64", "msgpack", "cc7f", 127, "an unsigned format for a signed type")
    add("u64 in int64 format", "U64", "msgpack", "d30000000000000001", 1, "a signed format for an unsigned type")
    add("field ids in uint64 format", "Point", "msgpack", "82cf000000000000000101cf000000000000000202",
        {"x": 1, "y": 2}, "field ids are integers: any format")
    add("enum in int32 format", "Color", "msgpack", "d2ffffffff", -1, "enum values are integers: any format")
    add("string in str8 format", "Str", "msgpack", "d90161", "a", "any str format")
    add("bytes in bin32 format", "Bin", "msgpack", "c60000000100", b"\x00", "any bin format")
    add("list in array16 format", "Ints", "msgpack", "dc000101", [1], "any array format")
    add("struct in map32 format", "Point", "msgpack", "df00000002" "0101" "0202", {"x": 1, "y": 2}, "any map format")

    add("f64 NaN with payload and sign", "F64", "msgpack", "cbfff8000000000001", math.nan, "re-encoded as the canonical NaN")
    add("f32 NaN with payload and sign", "F32", "msgpack", "caffc00001", math.nan, "re-encoded as the canonical NaN")
    add("f64 written with fraction zero", "F64", "json", "1.0", 1.0, "any JSON number spelling")
    add("f64 written with exponent", "F64", "json", "1E21", 1e21, "any JSON number spelling")
    add("f64 negative zero spelled -0.0", "F64", "json", "-0.0", -0.0, "any JSON number spelling")
    add("f32 written with f64 digits", "F32", "json", "0.10000000149011612", f32(0.1), "rounded to f32 on decode")

    add("JSON escapes not used by the encoder", "Str", "json", '"\\u00e9\\/\\u0041\\ud83d\\ude00"', "é/A😀",
        "any valid JSON escape, surrogate pairs included")
    add("JSON with whitespace", "Point", "json", ' { "x" : 1 ,\n\t"y" : 2 } ', {"x": 1, "y": 2},
        "insignificant JSON whitespace is accepted")

    add("struct fields out of order (JSON)", "Point", "json", '{"y":2,"x":1}', {"x": 1, "y": 2}, "any key order")
    add("struct fields out of order (msgpack)", "Point", "msgpack", "8202020101", {"x": 1, "y": 2}, "any key order")
    add("map entries unsorted (JSON)", "MapStr", "json", '{"b":1,"a":2}', {"a": 2, "b": 1}, "any entry order")
    add("map entries unsorted (msgpack)", "MapI32", "msgpack", "820aa16102a162", {2: "b", 10: "a"}, "any entry order")

    add("unknown struct key skipped (JSON)", "Point", "json", '{"x":1,"extra":{"a":[1,"2",{"b":null}]},"y":2}',
        {"x": 1, "y": 2}, "an unknown key from a newer peer is skipped")
    add("unknown struct field id skipped (msgpack)", "Point", "msgpack",
        "83" "09" "93a161c0" "81a162c3" "0101" "0202",
        {"x": 1, "y": 2}, "unknown field 9 (an array holding a map) is skipped, before the known ones")
    add("unknown field nested to depth 64 skipped (JSON)", "Point", "json",
        '{"x":1,"skip":' + "[" * 63 + "]" * 63 + ',"y":2}', {"x": 1, "y": 2},
        "the struct is level 1, the skipped arrays levels 2..64: at the limit, accepted")
    add("unknown field nested to depth 64 skipped (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "03" + "91" * 62 + "90", {"x": 1, "y": 2},
        "the struct is level 1, the skipped arrays levels 2..64: at the limit, accepted")
    # Keys inside skipped values must be distinct per map or object, not across them (§3.1, §3.2).
    add("same unknown key in sibling structs (JSON)", "Points", "json",
        '[{"x":1,"skip":1,"y":2},{"x":3,"skip":1,"y":4}]', [{"x": 1, "y": 2}, {"x": 3, "y": 4}],
        "each struct's unknown keys are its own")
    add("same key in separate skipped objects (JSON)", "Point", "json",
        '{"x":1,"skip":{"skip":[{"a":1},{"a":2}],"a":{"a":null}},"y":2}', {"x": 1, "y": 2},
        "a key may recur in different objects, nested or side by side")
    add("unknown key in a struct and its nested struct (JSON)", "Tree", "json",
        '{"label":"a","u":1,"children":[{"label":"b","u":1,"children":[],"v":1}],"v":2}',
        {"label": "a", "children": [{"label": "b", "children": []}]},
        "the nested struct's unknown keys are forgotten when it closes")
    add("skipped map keys of different kinds (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "84" "01c0" "a131c0" "c40131c0" "cb3ff8000000000000c0", {"x": 1, "y": 2},
        "keys 1, \"1\", bin 31 and 1.5 in a skipped map are four distinct keys")

    add("missing fields take defaults (JSON)", "Defaults", "json", "{}", {
        "count": 7, "name": "anon", "color": 1, "tags": [], "ratio": 1.5, "big": 2**64 - 1,
        "flag": False, "data": b"", "counts": {}, "level": 0},
        "declared defaults, else zero values; an enum's zero value is its first declared member")
    add("missing fields take defaults (msgpack)", "Defaults", "msgpack", "80", {
        "count": 7, "name": "anon", "color": 1, "tags": [], "ratio": 1.5, "big": 2**64 - 1,
        "flag": False, "data": b"", "counts": {}, "level": 0},
        "declared defaults, else zero values; an enum's zero value is its first declared member")
    add("missing integer fields are zero", "Point", "msgpack", "8102ff", {"x": 0, "y": -1}, "zero value of i32")
    # JSON map keys are decimal text (docs/wire.md §3.1); "-0" reads as 0, and an enum key may be
    # given by number. Neither is what an encoder writes, so each is re-encoded canonically.
    add("i32 map key -0 (JSON)", "MapI32", "json", '{"-0":"a"}', {0: "a"}, "reads as key 0")
    add("u64 map key -0 (JSON)", "MapU64", "json", '{"-0":"a"}', {0: "a"}, "reads as key 0, even unsigned")
    add("enum map key by number (JSON)", "MapColor", "json", '{"3":1,"7":2}', {3: 1, 7: 2},
        "3 is BLUE, written by name; 7 is unknown, written as a number")
    add("optional field given as null", "Optionals", "json", '{"a":null,"b":null,"c":null,"d":[],"e":{}}',
        {"d": [], "e": {}}, "an explicit null for an optional struct field means absent")
    add("optional field given as nil", "Optionals", "msgpack", "8501c002c003c0049005" "80",
        {"d": [], "e": {}}, "an explicit nil for an optional struct field means absent")
    return out


def reject_vectors():
    out = []

    def add(name, type_name, codec, raw, code, note, raw_is_hex=False):
        entry = {"name": name, "type": f"{MODULE}.{type_name}", "codec": codec}
        entry["input_hex" if raw_is_hex else "input"] = raw
        entry.update({"code": code, "note": note})
        out.append(entry)

    inv, res = "INVALID_ARGUMENT", "RESOURCE_EXHAUSTED"
    add("i32 given a string (JSON)", "I32", "json", '"5"', inv, "only i64/u64 travel as strings")
    add("i32 given a string (msgpack)", "I32", "msgpack", "a135", inv, "wrong type")
    add("i32 given a float (JSON)", "I32", "json", "1.5", inv, "not an integer")
    add("i32 given a float (msgpack)", "I32", "msgpack", "cb3ff0000000000000", inv, "floats are not integers")
    add("i64 given a fraction (JSON)", "I64", "json", "1.5", inv, "not an integer")
    add("bool given an integer (JSON)", "Bool", "json", "1", inv, "wrong type")
    add("bool given an integer (msgpack)", "Bool", "msgpack", "01", inv, "wrong type")
    add("struct given an array (JSON)", "Point", "json", "[1,2]", inv, "wrong type")
    add("struct given an array (msgpack)", "Point", "msgpack", "920102", inv, "wrong type")
    add("list given a map (msgpack)", "Ints", "msgpack", "80", inv, "wrong type")
    add("nil for a non-optional field (msgpack)", "Point", "msgpack", "8201c00202", inv, "nil is only for optionals")
    add("null for a non-optional field (JSON)", "Point", "json", '{"x":null,"y":2}', inv, "null is only for optionals")
    add("f64 given an integer (msgpack)", "F64", "msgpack", "03", inv,
        "an f64 is always float64: an encoder given an integer writes the float (see from_integer)")
    add("f64 given an integer in int64 format (msgpack)", "F64", "msgpack", "d30000000000000003", inv,
        "floats are not integers, whatever the integer format")
    add("f32 given an integer (msgpack)", "F32", "msgpack", "01", inv, "an f32 is always float32")
    add("f64 field given an integer (msgpack)", "Defaults", "msgpack", "810502", inv,
        "ratio (id 5) is an f64: the integer 2 is refused as a float is for an integer field")
    add("f64 given a misspelled NaN (JSON)", "F64", "json", '"nan"', inv, 'only "NaN", "Infinity", "-Infinity"')
    add("f64 given a bare NaN (JSON)", "F64", "json", "NaN", inv, "not JSON")
    add("ext type (msgpack)", "I32", "msgpack", "d40100", inv, "ext types are never valid")
    add("never-used byte 0xc1 (msgpack)", "I32", "msgpack", "c1", inv, "not a msgpack value")
    add("bytes given invalid base64 (JSON)", "Bin", "json", '"!!!!"', inv, "standard base64 only")

    add("u8 = 256 (JSON)", "U8", "json", "256", inv, "out of range")
    add("u8 = 256 (msgpack)", "U8", "msgpack", "cd0100", inv, "out of range, although uint16 is a valid format")
    add("u8 = -1 (msgpack)", "U8", "msgpack", "ff", inv, "out of range")
    add("i8 = 128 (msgpack)", "I8", "msgpack", "cc80", inv, "out of range")
    add("i8 = -129 (JSON)", "I8", "json", "-129", inv, "out of range")
    add("i32 = 2^31 (msgpack)", "I32", "msgpack", "ce80000000", inv, "out of range")
    add("i64 = 2^63 (JSON)", "I64", "json", '"9223372036854775808"', inv, "out of range")
    add("i64 = 2^63 (msgpack)", "I64", "msgpack", "cf8000000000000000", inv, "out of range")
    add("u64 = 2^64 (JSON)", "U64", "json", '"18446744073709551616"', inv, "out of range")
    add("u64 = -1 (msgpack)", "U64", "msgpack", "ff", inv, "out of range")

    add("invalid UTF-8 (msgpack)", "Str", "msgpack", "a2c328", inv, "c3 must be followed by a continuation byte")
    add("invalid UTF-8 (JSON)", "Str", "json", "22c32822", inv, "c3 must be followed by a continuation byte", True)
    add("overlong UTF-8 (msgpack)", "Str", "msgpack", "a2c0af", inv, "overlong encoding of /")
    add("UTF-8 encoded surrogate (msgpack)", "Str", "msgpack", "a3eda080", inv, "U+D800 is not a scalar value")
    add("invalid UTF-8 in a map key (msgpack)", "MapStr", "msgpack", "81a1ff01", inv, "keys are strings too")

    add("unknown union case (JSON)", "Value", "json", '{"bogus":1}', inv, "unions are not extensible")
    add("unknown union case (msgpack)", "Value", "msgpack", "816301", inv, "case id 99 is not declared")
    add("union with two cases (JSON)", "Value", "json", '{"num":"1","text":"a"}', inv, "exactly one case")
    add("union with two cases (msgpack)", "Value", "msgpack", "820201" "03a161", inv, "exactly one case")
    add("union with no case (msgpack)", "Value", "msgpack", "80", inv, "exactly one case")
    add("unknown enum name (JSON)", "Color", "json", '"PURPLE"', inv, "unknown names are errors, unknown numbers are kept")
    add("unknown enum name as map key (JSON)", "MapColor", "json", '{"PURPLE":1}', inv, "unknown enum name")
    add("integer map key not a number (JSON)", "MapI32", "json", '{"x":"a"}', inv, "keys are decimal integers")
    add("duplicate struct key (JSON)", "Point", "json", '{"x":1,"x":2,"y":3}', inv, "duplicate keys")
    add("duplicate map key (JSON)", "MapStr", "json", '{"a":1,"a":2}', inv, "duplicate keys")
    # A map's keys compare as values of its key type (§3.1): two different JSON texts naming the same
    # integer or enum value are a duplicate. A decoder that keeps the last value fails these.
    add("duplicate i32 map key, 0 and -0 (JSON)", "MapI32", "json", '{"0":"a","-0":"b"}', inv, "both are key 0")
    add("duplicate i8 map key, -0 and 0 (JSON)", "MapI8", "json", '{"-0":"a","1":"b","0":"c"}', inv,
        "both are key 0, not next to each other")
    add("duplicate u8 map key, 0 and -0 (JSON)", "MapU8", "json", '{"0":"a","-0":"b"}', inv, "both are key 0")
    add("duplicate i64 map key, 0 and -0 (JSON)", "MapI64", "json", '{"0":"a","-0":"b"}', inv, "both are key 0")
    add("duplicate u64 map key, 0 and -0 (JSON)", "MapU64", "json", '{"-0":"a","0":"b"}', inv, "both are key 0")
    add("duplicate i32 map key, escaped (JSON)", "MapI32", "json", '{"1":"a","\\u0031":"b"}', inv,
        "keys compare after unescaping: both are \"1\"")
    add("duplicate enum map key, name and number (JSON)", "MapColor", "json", '{"BLUE":1,"3":2}', inv,
        "BLUE is 3")
    add("duplicate enum map key, number and name (JSON)", "MapColor", "json", '{"1":1,"RED":2}', inv,
        "RED is 1")
    add("duplicate unknown enum map key, 0 and -0 (JSON)", "MapColor", "json", '{"0":1,"-0":2}', inv,
        "both are the unknown value 0")
    add("duplicate key in an inner map, 0 and -0 (JSON)", "MapNested", "json", '{"a":{"0":[],"-0":[]}}', inv,
        "the inner map<i32, …> holds key 0 twice")
    # Integer map keys are spelled as an encoder writes them, apart from "-0": no leading zeros, no
    # sign, no exponent or fraction, no whitespace. So "1" and "01" are never the same key.
    add("integer map key with a leading zero (JSON)", "MapI32", "json", '{"01":"a"}', inv, "not a decimal integer key")
    add("i64 map key with a leading zero (JSON)", "MapI64", "json", '{"1":"a","01":"b"}', inv,
        "01 is not a key, let alone key 1")
    add("u64 map key with a leading zero (JSON)", "MapU64", "json", '{"00":"a"}', inv, "not a decimal integer key")
    add("integer map key with a plus sign (JSON)", "MapI32", "json", '{"+1":"a"}', inv, "not a decimal integer key")
    add("integer map key with a fraction (JSON)", "MapI64", "json", '{"1.0":"a"}', inv, "not a decimal integer key")
    add("enum map key with a leading zero (JSON)", "MapColor", "json", '{"03":1}', inv, "neither a name nor a decimal")
    # msgpack: a map (struct, union or map) holding the same key twice, whatever integer or string
    # format each copy uses (docs/wire.md §3.2). A decoder that keeps the last value fails these.
    add("duplicate struct field id (msgpack)", "Point", "msgpack", "83" "0101" "0202" "0103", inv,
        "field id 1 twice: {1:1, 2:2, 1:3}")
    add("duplicate struct field id, same value, map16 (msgpack)", "Point", "msgpack", "de0003" "0101" "0202" "0101", inv,
        "a repeated field is invalid even when the copies agree")
    add("duplicate struct field id in two formats (msgpack)", "Point", "msgpack", "83" "0101" "0202" "cc0103", inv,
        "field id 1 as fixint and as uint8 (cc 01)")
    add("duplicate unknown struct field id (msgpack)", "Point", "msgpack", "84" "0101" "0202" "0900" "0900", inv,
        "unknown ids are skipped, but a map holding the same key twice is invalid whatever the key")
    add("duplicate field id in a nested struct (msgpack)", "Line", "msgpack",
        "82" "01" "82" "0100" "0200" "02" "82" "0100" "0100", inv, "Line.to is {1:0, 1:0}")
    add("duplicate union case id (msgpack)", "Value", "msgpack", "82" "0201" "0205", inv, "case num twice")
    add("duplicate string map key (msgpack)", "MapStr", "msgpack", "82" "a161" "01" "a161" "02", inv, '"a" twice')
    add("duplicate string map key, fixstr and str8 (msgpack)", "MapStr", "msgpack", "82" "a161" "01" "d90161" "02", inv,
        '"a" as fixstr (a1 61) and as str8 (d9 01 61)')
    add("duplicate i32 map key (msgpack)", "MapI32", "msgpack", "82" "01" "a178" "01" "a179", inv, "key 1 twice")
    add("duplicate i64 map key in two formats (msgpack)", "MapI64", "msgpack", "82" "d0ff" "a178" "ff" "a179", inv,
        "key -1 as int8 (d0 ff) and as negative fixint (ff)")
    add("duplicate u64 map key in two formats (msgpack)", "MapU64", "msgpack",
        "82" "cf0000000000000005" "a178" "cc05" "a179", inv, "key 5 as uint64 and as uint8")
    add("duplicate enum map key (msgpack)", "MapColor", "msgpack", "82" "0101" "0102", inv, "RED (1) twice")
    add("duplicate key in an inner map (msgpack)", "MapNested", "msgpack", "81" "a161" "82" "0190" "0190", inv,
        "the inner map<i32, …> holds key 1 twice")
    # Skipped values are checked like any other (docs/wire.md §3.1, §3.2): no map or object in them
    # holds a key twice, and the same unknown struct key twice is a duplicate too.
    add("duplicate unknown struct key (JSON)", "Point", "json", '{"x":1,"skip":1,"skip":2,"y":2}', inv,
        "unknown keys are skipped, but an object holding the same key twice is invalid whatever the key")
    add("duplicate unknown struct key, one escaped (JSON)", "Point", "json", '{"x":1,"skip":1,"sk\\u0069p":1,"y":2}', inv,
        "keys compare after unescaping: \"sk\\u0069p\" is \"skip\"")
    add("duplicate unknown key in a nested struct (JSON)", "Line", "json",
        '{"from":{"x":0,"y":0},"to":{"x":0,"u":[],"y":0,"u":[]}}', inv, "Line.to holds the unknown key u twice")
    add("duplicate unknown key around a nested struct (JSON)", "Tree", "json",
        '{"label":"a","u":1,"children":[{"label":"b","u":1,"children":[]}],"u":2}', inv,
        "the outer struct's u twice, with a nested struct holding its own u in between")
    add("duplicate key in a skipped object (JSON)", "Point", "json", '{"x":1,"skip":{"a":1,"a":2},"y":2}', inv,
        "the value of unknown key skip repeats a")
    add("duplicate key deep in a skipped value (JSON)", "Point", "json",
        '{"x":1,"skip":[1,{"a":{"b":null,"c":null,"b":null}}],"y":2}', inv, "an object three levels into the skipped value")
    add("duplicate key in a skipped map (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "82" "a161" "01" "a161" "02", inv, "the value of unknown field 9 is {\"a\":1, \"a\":2}")
    add("duplicate integer key in a nested skipped map, two formats (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "91" "81" "05" "83" "ff" "c0" "01" "c0" "d1ffff" "c0", inv,
        "field 9 is [{5: {-1: nil, 1: nil, -1: nil}}]: -1 as negative fixint and as int16")
    add("duplicate string key in a skipped map, fixstr and str16 (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "82" "a3" "6b6579" "01" "da0003" "6b6579" "02", inv,
        "\"key\" as fixstr (a3) and as str16 (da 0003)")
    add("duplicate string key in a skipped map, str8 and str32 (msgpack)", "Point", "msgpack",
        "83" "09" "82" "d903" "6b6579" "c0" "db00000003" "6b6579" "c0" "0101" "0202", inv,
        "\"key\" as str8 and as str32, the unknown field first")
    add("duplicate key in a skipped map, integer and float (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "82" "01c0" "cb3ff0000000000000c0", inv, "numeric keys compare by value: 1 and 1.0")
    add("array as a map key in a skipped value (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "09" "81" "9101" "c0", inv, "a map key is never an array or a map")
    add("invalid UTF-8 in a skipped value (msgpack)", "Point", "msgpack", "83" "0101" "0202" "09" "a2c328", inv,
        "skipped strings must be valid UTF-8 too")
    add("missing struct-typed field (JSON)", "Line", "json", '{"from":{"x":0,"y":0}}', inv,
        "a struct or union field has no zero value")
    add("missing struct-typed field (msgpack)", "Line", "msgpack", "8101820100" "0200", inv,
        "a struct or union field has no zero value")

    add("empty payload for a value (JSON)", "I32", "json", "", inv, "a value is expected")
    add("empty payload for a value (msgpack)", "I32", "msgpack", "", inv, "a value is expected")
    add("truncated integer (msgpack)", "I32", "msgpack", "d20000", inv, "int32 needs 4 bytes")
    add("truncated object (JSON)", "Point", "json", '{"x":1', inv, "not complete")
    add("trailing bytes (msgpack)", "I32", "msgpack", "0102", inv, "one value fills the whole payload")
    add("trailing bytes (JSON)", "I32", "json", "1 2", inv, "one value fills the whole payload")

    deep_value = to_msgpack(("ref", "Value"), nested_values(33, ("nothing", None))).hex()
    add("depth 65 (msgpack)", "Value", "msgpack", deep_value, res, "33 nested unions: the innermost map is level 65")
    add("depth 65 (JSON)", "Value", "json", to_json(("ref", "Value"), nested_values(33, ("nothing", None))), res,
        "33 nested unions: the innermost object is level 65")
    add("depth 65 in a skipped unknown field (msgpack)", "Point", "msgpack",
        "83" "0101" "0202" "03" + "91" * 63 + "90", res, "skipping still counts levels: the struct, then 64 arrays")
    add("depth 65 in a skipped unknown field (JSON)", "Point", "json",
        '{"x":1,"skip":' + "[" * 64 + "]" * 64 + ',"y":2}', res, "skipping still counts levels: the struct, then 64 arrays")
    add("array count beyond the payload (msgpack)", "Ints", "msgpack", "ddffffffff01", res,
        "4294967295 elements need at least as many bytes: fail before allocating")
    add("map count beyond the payload (msgpack)", "MapStr", "msgpack", "deffff", res,
        "65535 entries need at least 131070 bytes")
    add("string length beyond the payload (msgpack)", "Str", "msgpack", "dbffffffff61", res,
        "a str needs its full length")
    add("bytes length beyond the payload (msgpack)", "Bin", "msgpack", "c6ffffffff00", res,
        "a bin needs its full length")
    add("count beyond the payload in a skipped field (msgpack)", "Point", "msgpack", "8109ddffffffff", res,
        "the same check applies while skipping an unknown field")

    # Keep the reject inputs honest: each depth case sits exactly one level past the limit.
    for entry in out:
        if entry["name"].startswith("depth 65"):
            depth = (mp_skip(bytes.fromhex(entry["input"]))[1] if entry["codec"] == "msgpack"
                     else json_depth(entry["input"]))
            assert depth == 65, (entry["name"], depth)
    # ... and each duplicate-key case is otherwise one well-formed value, really holding a key twice
    # (JSON; msgpack keys are worked out in the notes), so it is rejected for that reason alone.
    for entry in out:
        if entry["code"] != inv or ("duplicate" not in entry["name"] and "skipped" not in entry["name"]):
            continue
        if entry["codec"] == "msgpack":
            raw = bytes.fromhex(entry["input"])
            assert mp_skip(raw)[0] == len(raw), entry["name"]
        elif "duplicate" in entry["name"]:
            repeats = []
            tree = json.loads(entry["input"], object_pairs_hook=lambda pairs: repeats.append(
                len({k for k, _ in pairs}) != len(pairs)) or pairs)
            # The same text twice, or (in a map) two texts of the same key value, such as "0" and "-0".
            assert any(repeats) or typed_key_repeats(("ref", entry["type"].removeprefix(MODULE + ".")), tree), \
                entry["name"]
    # ... and each malformed map key case holds a single key that is not a key of its type.
    for entry in out:
        if "map key with" in entry["name"]:
            t = resolve(("ref", entry["type"].removeprefix(MODULE + ".")))
            keys = list(json.loads(entry["input"]))
            assert t[0] == "map" and [json_key_value(t[1], k) is None for k in keys].count(True) == 1, entry["name"]
    return out


def check_vectors(vectors, decode_only):
    for v in vectors:
        raw = bytes.fromhex(v["msgpack"])
        end, depth = mp_skip(raw)
        assert end == len(raw), v["name"]
        assert depth <= 64, v["name"]
        json.loads(v["json"])
        assert json_depth(v["json"]) <= 64, v["name"]
    for v in decode_only:
        if v["codec"] == "msgpack":
            for key in ("input", "canonical"):
                raw = bytes.fromhex(v[key])
                assert mp_skip(raw) == (len(raw), mp_skip(raw)[1]) and mp_skip(raw)[1] <= 64, v["name"]
        else:
            json.loads(v["input"])
            assert json_depth(v["input"]) <= 64, v["name"]
    names = [v["name"] for v in vectors + decode_only]
    assert len(names) == len(set(names)), "vector names must be unique"


def write_json(path: Path, doc) -> None:
    text = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    check_hand_vectors()
    vectors = value_vectors()
    decode_only = decode_only_vectors()
    reject = reject_vectors()
    from_integer = from_integer_vectors()
    check_vectors(vectors, decode_only)
    for v in from_integer:  # each is a float vector too: the bytes decode to the rounded value
        assert v["msgpack"][:2] == ("cb" if v["type"].endswith("F64") else "ca"), v["name"]
    write_json(HERE / "payloads.json", {
        "comment": "Generated by test/vectors/make_vectors.py from docs/wire.md; see test/vectors/README.md.",
        "schema": "test/vectors/vectors.interop",
        "vectors": vectors, "decode_only": decode_only, "reject": reject, "from_integer": from_integer})
    write_json(HERE / "frames.json", {
        "comment": "Generated by test/vectors/make_vectors.py from docs/wire.md; see test/vectors/README.md.",
        **frame_vectors(to_json, to_msgpack, json_string)})
    handshake = handshake_vectors()
    write_json(HERE / "handshake.json", {
        "comment": "Generated by test/vectors/make_vectors.py from docs/wire.md §2 and docs/ir.md; see test/vectors/README.md.",
        "schemas": {"v1": "test/evolution/v1.interop", "v2": "test/evolution/v2.interop"},
        **handshake})
    print(f"payloads.json: {len(vectors)} vectors, {len(decode_only)} decode_only, {len(reject)} reject, "
          f"{len(from_integer)} from_integer")
    print(f"handshake.json: {len(handshake['payloads'])} payloads, {len(handshake['reject'])} reject, "
          f"{len(handshake['verdicts'])} verdicts")


if __name__ == "__main__":
    main()
