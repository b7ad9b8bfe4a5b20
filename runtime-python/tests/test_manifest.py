"""The bundle in a node's manifest (docs/wire.md §7, docs/ir.md) is complete: the hosted modules
(`roots`) plus every module they import, transitively, each once, imports first. Generated
descriptors list their imported descriptors in `imports` for that. Uses the import chain of
test/supervisor/fixtures/imports (judge → readings → units) and the chat schema (a diamond)."""

from __future__ import annotations

import types
from typing import Any

import pytest

from interop_runtime import ModuleDescriptor
from interop_runtime.connection import call_control
from interop_runtime.module import ir_bundle
from interop_runtime.node import Node

from conftest import REPO, import_generated

JUDGE = REPO / "test" / "supervisor" / "fixtures" / "imports" / "judge.interop"
CHAT = REPO / "test" / "schemas" / "valid" / "chat.interop"
INCLUDE = REPO / "test" / "schemas" / "valid" / "include"


@pytest.fixture(scope="session")
def judge(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_judge", [JUDGE]), "gen_judge", "test_judge")


@pytest.fixture(scope="session")
def chat(generate: Any) -> types.ModuleType:
    return import_generated(generate("gen_chat", [CHAT], include=[INCLUDE]), "gen_chat", "example_chat")


def names(bundle: dict[str, Any]) -> list[str]:
    return [m["name"] for m in bundle["modules"]]


def test_generated_descriptors_list_their_imports(judge: types.ModuleType, chat: types.ModuleType) -> None:
    readings: ModuleDescriptor = judge.JudgeModule.imports[0]
    assert [d.name for d in judge.JudgeModule.imports] == ["test.readings"]
    assert [d.name for d in readings.imports] == ["test.units"]
    assert readings.imports[0].imports == ()
    assert [d.name for d in chat.ChatModule.imports] == ["example.common", "example.users"]


def test_ir_bundle_is_transitive_imports_first_each_once(judge: types.ModuleType, chat: types.ModuleType) -> None:
    bundle = ir_bundle([judge.JudgeModule])
    assert bundle["irVersion"] == 1 and bundle["roots"] == ["test.judge"]
    assert names(bundle) == ["test.units", "test.readings", "test.judge"]
    assert bundle["modules"][2] is judge.JudgeModule.ir
    # example.common is imported by chat and by users: once, before both.
    assert names(ir_bundle([chat.ChatModule])) == ["example.common", "example.users", "example.chat"]
    users = chat.ChatModule.imports[1]
    assert ir_bundle([users, chat.ChatModule])["roots"] == ["example.users", "example.chat"]
    assert names(ir_bundle([users, chat.ChatModule])) == ["example.common", "example.users", "example.chat"]
    # A hand-written descriptor without imports: its own IR only.
    solo = ModuleDescriptor("x.y", "1", "", {}, {}, {}, ir={"name": "x.y"})
    assert ir_bundle([solo]) == {"irVersion": 1, "modules": [{"name": "x.y"}], "roots": ["x.y"]}


async def test_node_serves_the_complete_bundle(judge: types.ModuleType, tmp_path: Any) -> None:
    node = await Node.start({"node": "judge", "modules": ["test.judge"], "control": f"unix:{tmp_path}/c.sock"},
                            implementations={"test.judge": judge.JudgeHandlers()}, modules=[judge.JudgeModule])
    try:
        conn = await Node("inspector").connect(f"unix:{tmp_path}/c.sock", [])
        manifest = await call_control(conn, "manifest")
        health = await call_control(conn, "health")
        await conn.close()
        assert names(manifest["bundle"]) == ["test.units", "test.readings", "test.judge"]
        assert manifest["bundle"]["roots"] == ["test.judge"]
        assert health["modules"] == ["test.judge"]
    finally:
        await node.close(100)
