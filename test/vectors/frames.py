"""Frame vectors for make_vectors.py: docs/wire.md §1, built with struct straight from the table.

Header after the u32 length: kind u8, codec u8, flags u16, correlation u32, timeout_ms u32,
target_len u16 (14 bytes), then the target and the payload. Little-endian throughout.
"""

from __future__ import annotations

import struct

KINDS = {"HELLO": 1, "WELCOME": 2, "REQUEST": 3, "RESPONSE": 4, "ERROR": 5, "ONEWAY": 6, "EVENT": 7,
         "SUBSCRIBE": 8, "UNSUBSCRIBE": 9, "CANCEL": 10, "PING": 11, "PONG": 12, "GOODBYE": 13,
         "STREAM_ITEM": 14, "STREAM_END": 15, "STREAM_CREDIT": 16}
# Flags of docs/wire.md §1.3.
CALLEE, STREAM_IN, STREAM_OUT = 0x0001, 0x0002, 0x0004
CODECS = {"none": 0, "json": 1, "msgpack": 2}
CODES = {"INTERNAL": 13, "APPLICATION_ERROR": 101, "PROTOCOL_ERROR": 102}
MAX_FRAME_BYTES = 16 * 1024 * 1024


def header(length: int, kind: int, codec: int, flags: int, correlation: int, timeout_ms: int, target_len: int) -> bytes:
    return struct.pack("<IBBHIIH", length, kind, codec, flags, correlation, timeout_ms, target_len)


def frame(kind: str, codec: str, correlation: int, target: str, payload: bytes, timeout_ms: int = 0, flags: int = 0) -> bytes:
    t = target.encode("utf-8")
    return header(14 + len(t) + len(payload), KINDS[kind], CODECS[codec], flags, correlation, timeout_ms, len(t)) + t + payload


# Hand-checked: a PING, correlation 1, no target, no payload, is 4 + 14 bytes:
#   0e000000  length 14 (only the fixed header follows)
#   0b 00     kind PING, codec none
#   0000      flags
#   01000000  correlation 1
#   00000000  timeout_ms
#   0000      target_len 0
assert frame("PING", "none", 1, "", b"").hex() == "0e000000" "0b00" "0000" "01000000" "00000000" "0000"


def frame_vectors(to_json, to_msgpack, json_string):
    valid = []

    def add(name, kind, codec, correlation, target, payload: bytes, note, timeout_ms=0, flags=0, payload_json=None):
        entry = {
            "name": name,
            "hex": frame(kind, codec, correlation, target, payload, timeout_ms, flags).hex(),
            "kind": kind, "kind_value": KINDS[kind], "codec": codec, "codec_value": CODECS[codec],
            "flags": flags, "correlation": correlation, "timeout_ms": timeout_ms, "target": target,
            "payload_hex": payload.hex(),
        }
        if payload_json is not None:
            entry["payload_json"] = payload_json
        entry["note"] = note
        valid.append(entry)

    def mp(type_text, value):
        return to_msgpack(("ref", type_text), value)

    def js(type_text, value):
        return to_json(("ref", type_text), value)

    hello = ('{"codecs":["msgpack","json"],"compat":{},"node":"app-main","offers":{},"protocol":[1],'
             '"wants":{"interop.vectors":"sha256:0000000000000000000000000000000000000000000000000000000000000000"}}')
    welcome = ('{"codecs":["msgpack","json"],"compat":{},"node":"vectors-node","offers":{"interop.vectors":'
               '"sha256:0000000000000000000000000000000000000000000000000000000000000000"},"protocol":1,"wants":{}}')
    add("hello", "HELLO", "json", 0, "", hello.encode(), "handshake offer: always JSON, correlation 0, no target",
        payload_json=hello)
    add("welcome", "WELCOME", "json", 0, "", welcome.encode(),
        "handshake answer: the chosen protocol is a number (tables of other versions: handshake.json)",
        payload_json=welcome)

    params_json = '{"a":1,"b":2}'
    add("request msgpack with deadline", "REQUEST", "msgpack", 1, "interop.vectors.add",
        bytes.fromhex("8201010202"), "add(a: 1, b: 2): parameters as a struct keyed by parameter id",
        timeout_ms=5000)
    add("request json without deadline", "REQUEST", "json", 2, "interop.vectors.add", params_json.encode(),
        "timeout_ms 0 = no deadline", payload_json=params_json)
    add("request no params", "REQUEST", "msgpack", 3, "interop.vectors.ping", bytes.fromhex("80"),
        "a function without parameters still sends its (empty) parameter struct")
    add("response msgpack", "RESPONSE", "msgpack", 1, "interop.vectors.add", mp("I64", 3),
        "the result encoded as its type: i64 3 is fixint 03")
    add("response json", "RESPONSE", "json", 2, "interop.vectors.add", js("I64", 3).encode(),
        "i64 results are JSON strings", payload_json=js("I64", 3))
    add("response without result", "RESPONSE", "msgpack", 3, "interop.vectors.ping", b"",
        "no result: empty payload, in the request's codec")

    failure = {"code": 7, "reason": "overflow"}
    detail_json = js("Failure", failure)
    envelope_json = ('{"code":101,"message":"add overflowed","type":"interop.vectors.Failure","detail":'
                     + detail_json + "}")
    add("error application json", "ERROR", "json", 2, "interop.vectors.add", envelope_json.encode(),
        "declared error: type is the qualified name, detail the error value nested as an object",
        payload_json=envelope_json)
    envelope_mp = (bytes.fromhex("84") + bytes.fromhex("01") + bytes.fromhex("65")      # 1: code 101
                   + bytes.fromhex("02") + mp("Str", "add overflowed")                  # 2: message
                   + bytes.fromhex("03") + mp("Str", "interop.vectors.Failure")         # 3: type
                   + bytes.fromhex("04") + mp("Failure", failure))                      # 4: detail, nested
    add("error application msgpack", "ERROR", "msgpack", 1, "interop.vectors.add", envelope_mp,
        "envelope as a struct keyed by id; detail nested as a map, not as bytes")
    internal_json = '{"code":13,"message":"handler crashed"}'
    add("error internal json", "ERROR", "json", 4, "interop.vectors.add", internal_json.encode(),
        "an undeclared exception: no type, no detail", payload_json=internal_json)
    add("error internal msgpack", "ERROR", "msgpack", 4, "interop.vectors.add",
        bytes.fromhex("82010d02") + mp("Str", "handler crashed"), "an undeclared exception: no type, no detail")
    conn_json = '{"code":102,"message":"frame length 13 is below 14"}'
    add("error connection level", "ERROR", "json", 0, "", conn_json.encode(),
        "correlation 0, empty target, always JSON", payload_json=conn_json)

    add("oneway", "ONEWAY", "msgpack", 0, "interop.vectors.log", bytes.fromhex("81") + bytes.fromhex("01") + mp("Str", "hi"),
        "no correlation, no answer")
    add("event msgpack", "EVENT", "msgpack", 0, "interop.vectors.ticked", mp("U64", 42), "the event payload as its type")
    add("event json", "EVENT", "json", 0, "interop.vectors.ticked", js("U64", 42).encode(), "u64 as a JSON string",
        payload_json=js("U64", 42))
    add("event without payload", "EVENT", "msgpack", 0, "interop.vectors.reset", b"",
        "no payload: empty, in the subscription's codec")
    add("subscribe", "SUBSCRIBE", "msgpack", 5, "interop.vectors.ticked", b"",
        "the codec names the codec the subscriber wants its events in")
    add("subscribe all events", "SUBSCRIBE", "json", 6, "interop.vectors.*", b"", "every event of the module")
    add("subscribe answered", "RESPONSE", "msgpack", 5, "interop.vectors.ticked", b"",
        "a SUBSCRIBE is answered by an empty RESPONSE with its correlation id")
    add("unsubscribe", "UNSUBSCRIBE", "none", 0, "interop.vectors.ticked", b"", "no payload: codec none")
    add("cancel", "CANCEL", "none", 1, "", b"", "the request's correlation id, no target")
    add("ping", "PING", "none", 7, "", b"\x01\x02\x03", "opaque bytes, echoed by the PONG; codec none")
    add("pong", "PONG", "none", 7, "", b"\x01\x02\x03", "the ping's correlation id and payload")
    add("goodbye", "GOODBYE", "none", 0, "", b"", "clean close")
    add("goodbye with reason", "GOODBYE", "none", 0, "", "shutting down".encode(), "UTF-8 reason, codec none")
    add("unknown flag bits", "PING", "none", 8, "", b"", "receivers ignore flag bits they do not know",
        flags=0x8001)

    # Streams (docs/wire.md §1.5), with the functions of vectors.interop: count (server stream of
    # u64), sum (client stream of i32 answered with an i64), echo (bidirectional stream of Str).
    add("request server stream", "REQUEST", "msgpack", 20, "interop.vectors.count", bytes.fromhex("810103"),
        "count(n: 3): flag STREAM_OUT (0x0004), the stream has no parameter of its own", timeout_ms=5000,
        flags=STREAM_OUT)
    add("request client stream", "REQUEST", "json", 21, "interop.vectors.sum", b'{"label":"t"}',
        "sum(label, values: stream<i32>): flag STREAM_IN (0x0002); the stream parameter (id 2) is not in the "
        "parameter struct", flags=STREAM_IN, payload_json='{"label":"t"}')
    add("request bidirectional stream", "REQUEST", "msgpack", 22, "interop.vectors.echo", bytes.fromhex("80"),
        "echo(lines: stream<Str>) -> stream<Str>: both flags (0x0006), no other parameter: an empty struct",
        flags=STREAM_IN | STREAM_OUT)
    add("stream credit from caller", "STREAM_CREDIT", "none", 20, "", struct.pack("<I", 64),
        "the caller grants stream_window (64) items of output right after its REQUEST: u32 little-endian, "
        "flag CALLEE clear")
    add("stream credit from callee", "STREAM_CREDIT", "none", 21, "", struct.pack("<I", 32),
        "the callee grants input: flag CALLEE (0x0001); 32 = ceil(64 / 2) items taken since the last grant",
        flags=CALLEE)
    add("stream item from callee msgpack", "STREAM_ITEM", "msgpack", 20, "", mp("U64", 2**40),
        "an output item, encoded as the item type (u64 2^40: uint64 cf), flag CALLEE, empty target",
        flags=CALLEE)
    add("stream item from callee json", "STREAM_ITEM", "json", 22, "", js("Str", "pong").encode(),
        "an item in JSON, the REQUEST's codec", flags=CALLEE, payload_json=js("Str", "pong"))
    add("stream item from caller json", "STREAM_ITEM", "json", 21, "", js("I32", -5).encode(),
        "an input item: flag CALLEE clear (the correlation id is the sender's own)", payload_json=js("I32", -5))
    add("stream item optional absent", "STREAM_ITEM", "msgpack", 23, "", mp("MaybeI32", None),
        "an absent optional item is nil (c0), as a result is, never an empty payload")
    add("stream end", "STREAM_END", "none", 21, "", b"", "the caller's half-close: no more items from it")
    add("stream end of empty input", "STREAM_END", "none", 24, "", b"",
        "an empty client stream: REQUEST then STREAM_END, no credit needed")
    add("stream response ends output", "RESPONSE", "msgpack", 20, "interop.vectors.count", b"",
        "the callee's RESPONSE ends its output and the exchange: empty, a server stream has no result")
    add("stream response with result", "RESPONSE", "json", 21, "interop.vectors.sum", js("I64", -5).encode(),
        "a client stream's answer: the function's result", payload_json=js("I64", -5))
    add("non-ascii target", "EVENT", "msgpack", 0, "interop.vectors.tické", b"",
        "target_len counts UTF-8 bytes (é is 2); an unknown event is the receiver's business, not a framing error")

    invalid = []

    def bad(name, raw: bytes, code, close, note, eof=False, answer_correlation=None):
        entry = {"name": name, "hex": raw.hex(), "code": code, "close": close}
        if eof:
            entry["eof"] = True
        if answer_correlation is not None:
            entry["answer_correlation"] = answer_correlation
        entry["note"] = note
        invalid.append(entry)

    ping = frame("PING", "none", 1, "", b"")
    request = frame("REQUEST", "msgpack", 9, "interop.vectors.add", bytes.fromhex("8201010202"))
    bad("truncated header", ping[:10], "PROTOCOL_ERROR", True,
        "the stream ends inside the header: the partial frame is discarded and the connection closed", eof=True)
    bad("truncated payload", request[:-2], "PROTOCOL_ERROR", True,
        "the stream ends inside the payload: the partial frame is discarded and the connection closed", eof=True)
    bad("zero length", struct.pack("<I", 0), "PROTOCOL_ERROR", True,
        "length 0 < 14: the stream can no longer be delimited")
    bad("length 13", struct.pack("<I", 13) + ping[4:17], "PROTOCOL_ERROR", True,
        "one byte short of the fixed header")
    bad("length over max_frame_bytes", struct.pack("<I", MAX_FRAME_BYTES + 1) + ping[4:18], "RESOURCE_EXHAUSTED", True,
        "16777217 > 16 MiB: refused as soon as the 4 length bytes are in, before buffering (exactly 16 MiB is accepted)")
    bad("length 0xffffffff", bytes.fromhex("ffffffff"), "RESOURCE_EXHAUSTED", True,
        "refused from the length alone, nothing allocated")
    bad("target_len past end", header(14 + 3, 3, 2, 0, 9, 0, 200) + b"abc", "PROTOCOL_ERROR", True,
        "target_len 200 but only 3 bytes follow the header")
    bad("unknown kind", header(14, 99, 0, 0, 10, 0, 0), "PROTOCOL_ERROR", False,
        "a complete frame: answered with an ERROR for its correlation id; the connection goes on",
        answer_correlation=10)
    bad("first unknown kind", header(14, 17, 0, 0, 11, 0, 0), "PROTOCOL_ERROR", False,
        "kind 17, the first after STREAM_CREDIT (16), is unknown", answer_correlation=11)
    bad("unknown codec", frame("REQUEST", "msgpack", 12, "interop.vectors.add", bytes.fromhex("8201010202"))[:5]
        + bytes([9]) + frame("REQUEST", "msgpack", 12, "interop.vectors.add", bytes.fromhex("8201010202"))[6:],
        "PROTOCOL_ERROR", False, "codec 9 does not exist: ERROR for correlation 12, the connection goes on",
        answer_correlation=12)

    return {"valid": valid, "invalid": invalid}
