"""Value checks (docs/wire.md §3.4): a value its type cannot hold is refused with the same typed
error on every path, as in runtime-ts (test/ts/value-checks.test.ts): by each codec's encoder,
before anything is written; by TypeCodec.validate; and by a call, whether it runs in-process
(direct) or over a socket in either codec. Arguments, results, declared errors and events alike.
An int given for an f32/f64 is a number like any other, written as a float."""

from __future__ import annotations

import asyncio
import dataclasses
import types
from pathlib import Path
from typing import Any, Awaitable, Callable

import pytest

from interop_runtime import CallContext, InteropError, error_code_name
from interop_runtime.node import Node

from conftest import REPO, import_generated

SCHEMAS = REPO / "test" / "schemas" / "valid"


@pytest.fixture(scope="session")
def chat(generate: Any) -> types.ModuleType:
    root = generate("gen_checks", [SCHEMAS / "chat.interop"], include=[SCHEMAS / "include"])
    return import_generated(root, "gen_checks", "example_chat")


@pytest.fixture(scope="session")
def common(chat: types.ModuleType) -> types.ModuleType:
    return import_generated(Path(str(chat.__file__)).parents[1], "gen_checks", "example_common")


def message(chat: types.ModuleType, common: types.ModuleType, **overrides: Any) -> Any:
    fields: dict[str, Any] = dict(
        id=1, author=2, text="hi", mood=None, tags=["a"], reactions={"b": 1}, body=b"", scores=[1, None],
        sent=common.Timestamp(millis=0, utc_offset_min=0))
    fields.update(overrides)
    return chat.Message(**fields)


async def outcome(f: Callable[[], Any]) -> str:
    """`CODE: message` of what f raises (awaiting what it returns), or 'ok'."""
    try:
        result = f()
        if isinstance(result, Awaitable):
            await result
        return "ok"
    except InteropError as e:
        return f"{error_code_name(e.code)}: {e.message}"


def refusals(codec: Any, value: Any) -> set[str]:
    """What validate and both encoders say about `value`: one message when they agree."""
    said = set()
    checks: list[Callable[[], Any]] = [
        lambda: codec.validate(value), lambda: codec.encode(value, "msgpack"), lambda: codec.encode(value, "json")]
    for f in checks:
        try:
            f()
            said.add("ok")
        except InteropError as e:
            said.add(f"{error_code_name(e.code)}: {e.message}")
    return said


CASES = [
    ("a missing nested struct", dict(sent=None), "Message.sent: expected Timestamp, got None"),
    ("a nested field of the wrong type", "bad timestamp", 'Message.sent.utc_offset_min: expected i16, got "1"'),
    ("a bool for a u64", dict(id=True), "Message.id: expected u64, got True"),
    ("a u64 out of range", dict(author=2**64), "Message.author: expected u64, got 18446744073709551616"),
    ("a lone surrogate", dict(text="a\ud800b"), "Message.text: expected string, got one with a lone surrogate (U+D800 at index 1)"),
    ("an i32 out of range in a list", dict(scores=[1, 2**31]), "Message.scores[1]: expected i32, got 2147483648"),
    ("a u32 map value out of range", dict(reactions={"a": 1, "b": -1}), 'Message.reactions["b"]: expected u32, got -1'),
    ("a plain int for an enum", dict(mood=1), "Message.mood: expected Mood, got 1"),
    ("an enum out of i32 range", "big mood", "Message.mood: expected i32, got Mood(4294967296)"),
    ("a list that is not a list", dict(tags="a"), 'Message.tags: expected list, got "a"'),
    ("bytes that are not bytes", dict(body=[1]), "Message.body: expected bytes, got a list"),
]


@pytest.mark.parametrize("what, change, detail", CASES, ids=[c[0] for c in CASES])
def test_a_bad_value_is_refused_alike_by_validate_and_both_encoders(
        chat: types.ModuleType, common: types.ModuleType, what: str, change: Any, detail: str) -> None:
    if change == "bad timestamp":
        change = dict(sent=common.Timestamp(millis=0, utc_offset_min="1"))
    elif change == "big mood":
        change = dict(mood=chat.Mood(2**32))
    assert refusals(chat._C_Message, message(chat, common, **change)) == {f"INVALID_ARGUMENT: {detail}"}


def test_the_values_of_the_field_report_are_refused_before_anything_is_sent(vectors_module: types.ModuleType) -> None:
    """Each value the issue lists (docs/types.md promises range checks on encode) in both codecs."""
    m = vectors_module
    for type_name, value, detail in [
        ("I8", 128, "I8: expected i8, got 128"),
        ("I32", 2**31, "I32: expected i32, got 2147483648"),
        ("I64", 2**63, "I64: expected i64, got 9223372036854775808"),
        ("I64", -(2**63) - 1, "I64: expected i64, got -9223372036854775809"),
        ("MapI16", {40000: "x"}, "MapI16[40000]: expected i16, got 40000"),
        ("I32", True, "I32: expected i32, got True"),
        ("I32", "5", 'I32: expected i32, got "5"'),
        ("Bool", 1, "Bool: expected bool, got 1"),
        ("Color", 1, "Color: expected Color, got 1"),
        ("F64", True, "F64: expected f64, got True"),
        ("F64", 10**400, "F64: expected f64, got an int of 1329 bits"),
        ("Str", b"x", "Str: expected string, got bytes"),
    ]:
        assert refusals(getattr(m, f"_C_{type_name}"), value) == {f"INVALID_ARGUMENT: {detail}"}, type_name


def test_an_int_for_a_float_is_written_as_a_float(vectors_module: types.ModuleType) -> None:
    """docs/wire.md §3.2: an f64 is always float64 `cb`, an f32 float32 `ca`, whatever number type
    the caller used; JSON writes the float's canonical text (2**53 + 1 is not a double)."""
    m = vectors_module
    assert m._C_F64.encode(3, "msgpack").hex() == "cb4008000000000000"
    assert m._C_F64.encode(3, "json") == b"3"
    assert m._C_F64.encode(2**53 + 1, "json") == b"9007199254740992"
    assert m._C_F64.encode(-(2**53) - 1, "msgpack") == m._C_F64.encode(-float(2**53), "msgpack")
    assert m._C_F32.encode(1, "msgpack").hex() == "ca3f800000"
    assert m._C_F32.encode(16777217, "json") == b"16777216"
    scalars = m.AllScalars(f32v=2, f64v=-7)
    assert m._C_AllScalars.encode(scalars, "msgpack") == m._C_AllScalars.encode(
        dataclasses.replace(scalars, f32v=2.0, f64v=-7.0), "msgpack")
    assert m._C_Ints.encode([1], "msgpack").hex() == "9101"  # integers stay integers


class Handlers:
    """The chat module's handlers: a few answers are not values of their declared type."""

    def __init__(self, chat: types.ModuleType, common: types.ModuleType) -> None:
        self.chat = chat
        self.common = common

    async def post(self, text: str, mood: Any, ctx: CallContext) -> Any:
        if text == "bad result":
            return message(self.chat, self.common, text=5)
        if text == "no sent":
            return message(self.chat, self.common, sent=None)
        if text == "bad error":
            raise self.chat.NotFound(key=7)
        return message(self.chat, self.common, text=text)

    async def history(self, page: Any, author: Any, ctx: CallContext) -> list[Any]:
        return [message(self.chat, self.common), message(self.chat, self.common, tags=[1])]

    async def ping(self, ctx: CallContext) -> None:
        return None

    async def typing(self, user: int, ctx: CallContext) -> None:
        return None


async def run_calls(chat: types.ModuleType, common: types.ModuleType, client: Any) -> dict[str, str]:
    page = common.Page(offset=0, limit=1)
    return {
        "good call": await outcome(lambda: client.post("fine")),
        "string arg given a number": await outcome(lambda: client.post(5)),
        "enum arg given a plain int": await outcome(lambda: client.post("x", 2)),
        "string arg with a lone surrogate": await outcome(lambda: client.post("\udc00")),
        "struct arg missing": await outcome(lambda: client.history(None)),
        "u64 arg given a bool": await outcome(lambda: client.history(page, True)),
        "one-way arg out of range": await outcome(lambda: client.typing(-1)),
        "invalid result": await outcome(lambda: client.post("bad result")),
        "result missing a nested struct": await outcome(lambda: client.post("no sent")),
        "invalid list result": await outcome(lambda: client.history(page)),
        "invalid declared error": await outcome(lambda: client.post("bad error")),
    }


EXPECTED_CALLS = {
    "good call": "ok",
    "string arg given a number": "INVALID_ARGUMENT: post.text: expected string, got 5",
    "enum arg given a plain int": "INVALID_ARGUMENT: post.mood: expected Mood, got 2",
    "string arg with a lone surrogate":
        "INVALID_ARGUMENT: post.text: expected string, got one with a lone surrogate (U+DC00 at index 0)",
    "struct arg missing": "INVALID_ARGUMENT: history.page: expected Page, got None",
    "u64 arg given a bool": "INVALID_ARGUMENT: history.author: expected u64, got True",
    "one-way arg out of range": "INVALID_ARGUMENT: typing.user: expected u64, got -1",
    "invalid result": "INTERNAL: post: the handler returned an invalid result: Message.text: expected string, got 5",
    "result missing a nested struct":
        "INTERNAL: post: the handler returned an invalid result: Message.sent: expected Timestamp, got None",
    "invalid list result":
        "INTERNAL: history: the handler returned an invalid result: history result[1].tags[0]: expected string, got 1",
    "invalid declared error":
        "INTERNAL: post: the handler raised an invalid example.chat.NotFound: NotFound.key: expected string, got 7",
}


async def test_a_direct_call_refuses_what_a_remote_call_refuses(
        chat: types.ModuleType, common: types.ModuleType, tmp_path: Path) -> None:
    node = Node("alone")
    node.serve(chat.ChatModule, Handlers(chat, common))
    try:
        assert await run_calls(chat, common, chat.ChatClient(node)) == EXPECTED_CALLS
        # Each handler whose answer was refused counts as a handler error.
        assert node.counters.handler_errors == 4
    finally:
        await node.close(100)


@pytest.mark.parametrize("codec", ["msgpack", "json"])
async def test_a_remote_call_refuses_bad_values_with_the_same_errors(
        chat: types.ModuleType, common: types.ModuleType, tmp_path: Path, codec: str) -> None:
    server = Node("server")
    server.serve(chat.ChatModule, Handlers(chat, common))
    client_node = Node("client")
    try:
        bound = await server.listen(f"unix:{tmp_path}/s.sock")
        await client_node.connect(bound, [chat.ChatModule], codec=codec)  # type: ignore[arg-type]
        assert await run_calls(chat, common, chat.ChatClient(client_node)) == EXPECTED_CALLS
        assert server.counters.handler_errors == 4
    finally:
        await client_node.close(100)
        await server.close(100)


async def test_publishing_refuses_a_bad_payload_before_any_subscriber_sees_it(
        chat: types.ModuleType, common: types.ModuleType, tmp_path: Path) -> None:
    server = Node("server")
    server.serve(chat.ChatModule, Handlers(chat, common))
    client_node = Node("client")
    try:
        bound = await server.listen(f"unix:{tmp_path}/s.sock")
        await client_node.connect(bound, [chat.ChatModule])
        local: list[Any] = []
        remote: list[Any] = []
        await chat.ChatClient(server).subscribe_message_posted(local.append)
        await chat.ChatClient(client_node).subscribe_message_posted(remote.append)
        events = chat.ChatEvents(server)
        assert await outcome(lambda: events.message_posted(message(chat, common, tags=[1]))) == \
            "INVALID_ARGUMENT: Message.tags[0]: expected string, got 1"
        assert await outcome(lambda: events.message_posted(message(chat, common, sent=None))) == \
            "INVALID_ARGUMENT: Message.sent: expected Timestamp, got None"
        events.message_posted(message(chat, common, text="good"))
        for _ in range(200):
            if remote and local:
                break
            await asyncio.sleep(0.01)
        assert [m.text for m in local] == ["good"]
        assert [m.text for m in remote] == ["good"]
        assert server.counters.unencodable_events == 2
    finally:
        await client_node.close(100)
        await server.close(100)
