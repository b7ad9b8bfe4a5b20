#!/usr/bin/env python3
"""Writes test/conformance/cases.json: the language-neutral conformance cases.

Run:  python3 test/conformance/make_cases.py

Arguments and expected results are canonical JSON text (docs/wire.md §3.1), produced by the
independent reference encoders of test/vectors/make_vectors.py, here pointed at a hand-written
mirror of conformance.interop (CONFORMANCE_SCHEMA below; keep the two in step).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.dont_write_bytecode = True
sys.path.insert(0, str(HERE.parent / "vectors"))
import make_vectors as mv  # noqa: E402  (path set up above)
from make_vectors import f32, parse_type, struct_decl, NO_DEFAULT, OPT  # noqa: E402

MODULE = "interop.conformance"

CONFORMANCE_SCHEMA = {
    "Level": {"kind": "enum", "members": [("LOW", 1), ("MID", 2), ("HIGH", 3), ("BELOW", -7)]},
    "Point": struct_decl("struct", (1, "x", "i32"), (2, "y", "i32")),
    "Scalars": struct_decl(
        "struct", (1, "flag", "bool"), (2, "i8v", "i8"), (3, "i16v", "i16"), (4, "i32v", "i32"),
        (5, "i64v", "i64"), (6, "u8v", "u8"), (7, "u16v", "u16"), (8, "u32v", "u32"), (9, "u64v", "u64"),
        (10, "f32v", "f32"), (11, "f64v", "f64"), (12, "text", "string"), (13, "data", "bytes")),
    "Containers": struct_decl(
        "struct", (1, "ints", "list<i32>"), (2, "grid", "list<list<i64>>"), (3, "points", "list<Point>"),
        (4, "by_i8", "map<i8,string>"), (5, "by_i16", "map<i16,string>"), (6, "by_i32", "map<i32,string>"),
        (7, "by_i64", "map<i64,string>"), (8, "by_u8", "map<u8,string>"), (9, "by_u16", "map<u16,string>"),
        (10, "by_u32", "map<u32,string>"), (11, "by_u64", "map<u64,string>"),
        (12, "by_name", "map<string,list<string>>"), (13, "by_level", "map<Level,Point>"),
        (14, "nested", "map<string,map<i32,list<bytes>>>")),
    "Optionals": struct_decl(
        "struct", (1, "num", "i32", NO_DEFAULT, OPT), (2, "text", "string", NO_DEFAULT, OPT),
        (3, "point", "Point", NO_DEFAULT, OPT), (4, "level", "Level", NO_DEFAULT, OPT),
        (5, "maybe_list", "list<optional<i64>>"), (6, "maybe_map", "map<string,optional<Point>>")),
    "Shape": {"kind": "union", "cases": [
        (1, "empty", None), (2, "circle", parse_type("f64")), (3, "point", parse_type("Point")),
        (4, "label", parse_type("string")), (5, "group", parse_type("list<Shape>")), (6, "level", parse_type("Level"))]},
    "Everything": struct_decl(
        "struct", (1, "scalars", "Scalars"), (2, "containers", "Containers"), (3, "optionals", "Optionals"),
        (4, "shape", "Shape"), (5, "shapes", "list<Shape>")),
    "Tick": struct_decl("struct", (1, "n", "u32"), (2, "text", "string")),
    "NotFound": struct_decl("error", (1, "key", "string")),
    "Invalid": struct_decl("error", (1, "field", "string"), (2, "reason", "string"), (3, "limit", "i64", NO_DEFAULT, OPT)),
    "Busy": struct_decl("error", (1, "retry_ms", "u32")),
    "StreamStats": struct_decl("struct", (1, "flood_produced", "u64"), (2, "cancelled_at_ms", "f64")),
}

# The reference encoders read make_vectors.SCHEMA: point them at this schema.
mv.SCHEMA.clear()
mv.SCHEMA.update(CONFORMANCE_SCHEMA)


def js(type_text: str, value) -> str:
    return mv.to_json(parse_type(type_text), value)


CASES: list[dict] = []


#: The transports that carry streams: all but http and https (ADR 0023).
STREAM_TRANSPORTS = ["direct", "unix", "shm", "tcp", "stdio", "ws", "wss"]


def case(name: str, feature: str, function: str, args: str, **rest) -> None:
    entry = {"name": name, "feature": feature, "kind": rest.pop("kind", "call"), "function": function, "args": args}
    entry.update(rest)
    CASES.append(entry)


def echo(name: str, feature: str, function: str, type_text: str, value, **rest) -> None:
    """A call whose result must equal its argument `v`."""
    text = js(type_text, value)
    case(name, feature, function, '{"v":' + text + "}", result=text, **rest)


def app_error(type_name: str, detail) -> dict:
    return {"code": "APPLICATION_ERROR", "type": f"{MODULE}.{type_name}", "detail": js(type_name, detail)}


INT_EXTREMES = {
    "i8": [-128, -33, -32, -1, 0, 127], "i16": [-32768, -129, 128, 255, 256, 32767],
    "i32": [-(2**31), -32769, 65535, 65536, 2**31 - 1],
    "i64": [-(2**63), -(2**31) - 1, 2**32, 2**53 + 1, 2**63 - 1],
    "u8": [0, 127, 128, 255], "u16": [0, 255, 256, 65535], "u32": [0, 65535, 65536, 2**32 - 1],
    "u64": [0, 2**32 - 1, 2**32, 2**53 + 1, 2**63, 2**64 - 1],
}


def long_text(n: int) -> str:
    return "".join(chr(ord("a") + i % 26) for i in range(n))


def scalar_cases() -> None:
    echo("bool true", "scalars", "echo_bool", "bool", True)
    echo("bool false", "scalars", "echo_bool", "bool", False)
    for t, values in INT_EXTREMES.items():
        for v in values:
            echo(f"{t} {v}", "scalars", f"echo_{t}", t, v)
    for v in (0.0, -0.0, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, math.nan, math.inf, -math.inf):
        echo(f"f64 {mv.json_float(v, 64).strip(chr(34))}", "scalars", "echo_f64", "f64", v)
    for v in (0.0, -0.0, f32(0.1), f32(3.4028234663852886e38), 2.0**-149, math.nan, math.inf, -math.inf):
        echo(f"f32 {mv.json_float(v, 32).strip(chr(34))}", "scalars", "echo_f32", "f32", v)
    echo("string empty", "scalars", "echo_string", "string", "")
    echo("string non-ASCII", "scalars", "echo_string", "string", "héllo 中文 😀 \uff61")
    echo("string escapes", "scalars", "echo_string", "string", "\x00\x1f\"\\/\b\f\n\r\t\x7f\u2028\u2029")
    echo("string 70000 bytes", "scalars", "echo_string", "string", long_text(70000))
    echo("bytes empty", "scalars", "echo_bytes", "bytes", b"")
    echo("bytes binary", "scalars", "echo_bytes", "bytes", bytes(range(256)))
    echo("bytes 70000", "scalars", "echo_bytes", "bytes", bytes(i * 7 % 256 for i in range(70000)))
    echo("scalars min", "scalars", "echo_scalars", "Scalars", {
        "flag": False, "i8v": -128, "i16v": -32768, "i32v": -(2**31), "i64v": -(2**63), "u8v": 0, "u16v": 0,
        "u32v": 0, "u64v": 0, "f32v": -math.inf, "f64v": -1.7976931348623157e308, "text": "", "data": b""})
    echo("scalars max", "scalars", "echo_scalars", "Scalars", {
        "flag": True, "i8v": 127, "i16v": 32767, "i32v": 2**31 - 1, "i64v": 2**63 - 1, "u8v": 255, "u16v": 65535,
        "u32v": 2**32 - 1, "u64v": 2**64 - 1, "f32v": f32(3.4028234663852886e38), "f64v": math.nan,
        "text": "中", "data": b"\xff"})


CONTAINERS_FULL = {
    "ints": [0, -1, 2**31 - 1, -(2**31)],
    "grid": [[], [1], [-(2**63), 2**63 - 1]],
    "points": [{"x": 1, "y": 2}, {"x": -1, "y": -2}],
    "by_i8": {-128: "min", -1: "a", 9: "b", 10: "c", 127: "max"},
    "by_i16": {-32768: "min", 2: "a", 10: "b", 32767: "max"},
    "by_i32": {-(2**31): "min", 2: "a", 10: "b", 2**31 - 1: "max"},
    "by_i64": {-(2**63): "min", 2: "a", 10: "b", 2**63 - 1: "max"},
    "by_u8": {0: "min", 2: "a", 10: "b", 255: "max"},
    "by_u16": {0: "min", 2: "a", 10: "b", 65535: "max"},
    "by_u32": {0: "min", 2: "a", 10: "b", 2**32 - 1: "max"},
    "by_u64": {0: "min", 2: "a", 10: "b", 2**63: "high", 2**64 - 1: "max"},
    "by_name": {"": [], "B": ["x"], "a": ["y", "z"], "é": [], "\uff61": [], "😀": ["😀"]},
    "by_level": {1: {"x": 1, "y": 1}, -7: {"x": -7, "y": 0}, 99: {"x": 99, "y": 99}},
    "nested": {"b": {2: [b"\x00"], -1: []}, "a": {}},
}
CONTAINERS_EMPTY = {k: ([] if isinstance(v, list) else {}) for k, v in CONTAINERS_FULL.items()}


def container_cases() -> None:
    echo("list empty", "containers", "echo_list", "list<string>", [])
    echo("list strings", "containers", "echo_list", "list<string>", ["a", "", "中"])
    echo("list 65536 elements", "containers", "echo_containers", "Containers", {**CONTAINERS_EMPTY, "ints": [0] * 65536})
    echo("map empty", "containers", "echo_map", "map<string,i64>", {})
    echo("map string keys", "containers", "echo_map", "map<string,i64>", {"b": 1, "a": -(2**63), "😀": 2, "\uff61": 3})
    echo("containers empty", "containers", "echo_containers", "Containers", CONTAINERS_EMPTY)
    echo("containers every key kind", "containers", "echo_containers", "Containers", CONTAINERS_FULL)


def optional_cases() -> None:
    echo("optionals all absent", "optionals", "echo_optionals", "Optionals", {"maybe_list": [], "maybe_map": {}})
    echo("optionals all present", "optionals", "echo_optionals", "Optionals", {
        "num": 0, "text": "", "point": {"x": 0, "y": 0}, "level": -7,
        "maybe_list": [None, 2**63 - 1, None], "maybe_map": {"none": None, "some": {"x": 1, "y": 2}}})
    echo("optional parameter present", "optionals", "echo_maybe", "optional<i32>", -1)
    case("optional parameter absent", "optionals", "echo_maybe", "{}", result="null")


def union_and_enum_cases() -> None:
    echo("union unit case", "unions", "echo_shape", "Shape", ("empty", None))
    echo("union f64 case", "unions", "echo_shape", "Shape", ("circle", -0.0))
    echo("union struct case", "unions", "echo_shape", "Shape", ("point", {"x": 3, "y": 4}))
    echo("union string case", "unions", "echo_shape", "Shape", ("label", "中"))
    echo("union recursive case", "unions", "echo_shape", "Shape",
         ("group", [("empty", None), ("group", [("circle", 1.5)]), ("level", 2)]))
    echo("union enum case", "unions", "echo_shape", "Shape", ("level", 3))
    echo("enum known", "enums", "echo_level", "Level", 1)
    echo("enum negative", "enums", "echo_level", "Level", -7)
    echo("enum unknown value", "enums", "echo_level", "Level", 99)
    echo("enum unknown negative value", "enums", "echo_level", "Level", -1000)
    echo("enum unknown value in a union", "enums", "echo_shape", "Shape", ("level", 12345))
    echo("everything nested", "containers", "echo_everything", "Everything", {
        "scalars": {"flag": True, "i8v": 1, "i16v": 2, "i32v": 3, "i64v": 4, "u8v": 5, "u16v": 6, "u32v": 7,
                    "u64v": 8, "f32v": 1.5, "f64v": 0.1, "text": "t", "data": b"d"},
        "containers": CONTAINERS_FULL,
        "optionals": {"num": 1, "maybe_list": [None], "maybe_map": {}},
        "shape": ("group", [("point", {"x": 1, "y": 1})]),
        "shapes": [("empty", None), ("level", 99)]})


def call_kind_cases() -> None:
    case("several parameters in order", "calls", "add", '{"a":"-9223372036854775807","b":"-1"}',
         result='"-9223372036854775808"')
    case("no parameters and no result", "calls", "nothing", "{}", result=None)
    case("declared error NotFound", "errors", "fail", '{"kind":"not_found"}', error=app_error("NotFound", {"key": "missing"}))
    case("declared error Invalid", "errors", "fail", '{"kind":"invalid"}',
         error=app_error("Invalid", {"field": "kind", "reason": "bad", "limit": -(2**63)}))
    case("declared error Busy", "errors", "fail", '{"kind":"busy"}', error=app_error("Busy", {"retry_ms": 2**32 - 1}))
    case("undeclared exception", "errors", "fail", '{"kind":"internal"}', error={"code": "INTERNAL"})
    case("no error", "errors", "fail", '{"kind":"fine"}', result='"fine"')
    case("unimplemented function", "errors", "unimplemented", '{"v":1}', error={"code": "UNIMPLEMENTED"})
    case("deadline exceeded", "deadlines", "slow", '{"ms":5000}', timeout_ms=300, error={"code": "DEADLINE_EXCEEDED"})
    case("deadline met", "deadlines", "slow", '{"ms":10}', timeout_ms=5000, result="10")
    case("oneway delivered", "oneway", "note", '{"text":"hello 中"}', kind="oneway",
         then={"function": "last_note", "args": "{}", "result": '"hello 中"'})
    case("events published", "events", "publish", '{"count":3,"text":"hi"}', kind="events", result=None,
         subscribe=["ticked", "pinged"],
         events=[{"event": "ticked", "payload": js("Tick", {"n": n, "text": "hi"})} for n in (1, 2, 3)]
         + [{"event": "pinged", "payload": None}])
    case("100 concurrent calls", "concurrency", "next_count", "{}", kind="concurrent", calls=100)
    case("4 MiB payload", "large payloads", "echo_bytes", "", kind="big_echo", length=4 * 1024 * 1024, quick=False)


def stream_cases() -> None:
    """Streams (docs/wire.md §1.5): chunk sizes from issue 10; `within_ms` bounds "at once" on a
    loaded machine, far below the default deadline. Every transport but HTTP carries them; over
    HTTP a stream is refused with UNIMPLEMENTED before anything is sent (ADR 0023)."""
    def stream_case(name: str, feature: str, function: str, args: str, **rest) -> None:
        case(name, feature, function, args, transports=rest.pop("transports", STREAM_TRANSPORTS), **rest)
    sizes = [27_182, 8, 1_828, 45_904]
    stream_case("client stream of four chunks", "streams", "upload", "{}", kind="client_stream", sizes=sizes,
                result=js("u64", sum(sizes)))
    stream_case("empty client stream", "streams", "upload", "{}", kind="client_stream", sizes=[], result=js("u64", 0))
    sizes = [31_415, 9, 2_653, 58_979]
    stream_case("server stream of four chunks", "streams", "download", '{"sizes":' + json.dumps(sizes, separators=(",", ":")) + "}",
                kind="server_stream", sizes=sizes)
    stream_case("empty server stream", "streams", "download", '{"sizes":[]}', kind="server_stream", sizes=[])
    stream_case("bidirectional ping-pong", "streams", "ping_pong", "{}", kind="ping_pong", lines=[f"line {i} ü" for i in range(20)])
    stream_case("empty bidirectional stream", "streams", "ping_pong", "{}", kind="ping_pong", lines=[])
    stream_case("declared error after items", "stream errors", "tick_stream", '{"count":3,"end":"busy"}', kind="ticks", count=3,
                error=app_error("Busy", {"retry_ms": 3}))
    stream_case("callee cancels mid-stream", "stream cancellation", "tick_stream", '{"count":4,"end":"cancel"}', kind="ticks",
                count=4, error={"code": "CANCELLED"}, within_ms=500)
    stream_case("caller cancels mid-stream", "stream cancellation", "tick_stream", '{"count":2,"end":"hang"}',
                kind="cancel_by_caller", count=2, within_ms=500)
    stream_case("stream deadline", "stream cancellation", "tick_stream", '{"count":2,"end":"hang"}', kind="ticks", count=2,
                timeout_ms=300, error={"code": "DEADLINE_EXCEEDED"})
    stream_case("a consumer that stops reading holds the producer at the window", "stream flow control", "flood",
                '{"chunk":65536,"total":' + js("u64", 100 * 1024 * 1024) + "}", kind="flood", read=10, window=64)
    for function, args in (("upload", "{}"), ("download", '{"sizes":[1]}'), ("ping_pong", "{}")):
        case(f"{function} over HTTP is refused", "streams", function, args, kind="refused_stream",
             error={"code": "UNIMPLEMENTED"}, transports=["http", "https"])
    # Last: the server is gone afterwards. There is no peer to lose in process.
    stream_case("peer killed mid-stream", "stream cancellation", "die_mid_stream", '{"count":3}', kind="ticks", count=3,
                error={"code": "UNAVAILABLE"}, within_ms=1000, transports=["unix", "shm", "tcp", "stdio", "ws", "wss"])


def main() -> None:
    scalar_cases()
    container_cases()
    optional_cases()
    union_and_enum_cases()
    call_kind_cases()
    stream_cases()  # last: its last case kills the server
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), "case names must be unique"
    for c in CASES:
        json.loads(c["args"] or "{}")
    doc = {"comment": "Generated by test/conformance/make_cases.py; see test/conformance/README.md.",
           "module": MODULE, "cases": CASES}
    (HERE / "cases.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"cases.json: {len(CASES)} cases")


if __name__ == "__main__":
    main()
