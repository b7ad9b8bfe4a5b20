"""A link between peers built from two versions of a module (test/evolution/v1.interop, v2.interop),
in one process: calls are judged by the compatibility tables before anything is sent
(docs/wire.md §2.2), and both nodes' manifests list the link in `mixed_versions` (§7), as the
TypeScript runtime does (test/evolution/inspect.test.ts; the full matrix: test/evolution/)."""

from __future__ import annotations

import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime import CallContext, ErrorCode, InteropError
from interop_runtime.node import Node

from conftest import REPO, GenerateFn, import_generated

M = "interop.evolution"


@pytest.fixture(scope="module")
def versions(generate: GenerateFn) -> tuple[types.ModuleType, types.ModuleType]:
    v1 = import_generated(generate("gen_evolution_v1", [REPO / "test/evolution/v1.interop"]), "gen_evolution_v1", "interop_evolution")
    v2 = import_generated(generate("gen_evolution_v2", [REPO / "test/evolution/v2.interop"]), "gen_evolution_v2", "interop_evolution")
    return v1, v2


async def test_calls_and_manifests_across_versions(versions: tuple[Any, Any], tmp_path: Path) -> None:
    v1, v2 = versions

    class Server(v1.EvolutionHandlers):  # type: ignore[misc, name-defined]
        async def ping(self, text: str, ctx: CallContext) -> str:
            return f"v1:{text}"

    server = Node("server-v1")
    server.serve(v1.EvolutionModule, Server())
    address = await server.listen(f"unix:{tmp_path}/s.sock")
    client = Node("client-v2")
    try:
        await client.connect(address, [v2.EvolutionModule])
        api = v2.EvolutionClient(client)
        assert await api.ping("hi") == "v1:hi"
        with pytest.raises(InteropError) as missing:
            await api.extra()
        assert (missing.value.code, missing.value.message) == (
            ErrorCode.UNIMPLEMENTED, f"{M}.extra: the peer's version of {M} has no function extra")
        with pytest.raises(InteropError) as changed:
            await api.measure(v2.Measure(value="5"))
        assert changed.value.code == ErrorCode.SCHEMA_MISMATCH and f"{M}.Measure #1" in changed.value.message

        v1_fp, v2_fp = v1.EvolutionModule.fingerprint, v2.EvolutionModule.fingerprint
        calls = client.control("manifest")["mixed_versions"]
        assert [(m["peer"], m["role"], m["fingerprint"], m["peer_fingerprint"]) for m in calls] == [
            ("server-v1", "calls", v2_fp, v1_fp)]
        assert [(u["kind"], u["member"], u["code"]) for u in calls[0]["unavailable"]] == [
            ("function", "extra", "UNIMPLEMENTED"), ("function", "measure", "SCHEMA_MISMATCH"),
            ("event", "flashed", "NOT_FOUND")]
        assert server.control("manifest")["mixed_versions"] == [
            {"peer": "client-v2", "module": M, "role": "serves", "fingerprint": v1_fp, "peer_fingerprint": v2_fp}]
    finally:
        await client.close(100)
        await server.close(100)
