"""A schema whose declarations form a long chain of references must generate and import: the
Python target once walked the type graph recursively (hasF32) and overflowed the compiler's stack
at about 3,000 structs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import import_generated

DEPTH = 5000


def chain_schema(path: Path) -> Path:
    """S0 → S1 → … → S4999, each holding the next (optional, so a value can stay shallow); only
    the last holds an f32, which every struct of the chain can therefore carry."""
    lines = ['module deep.chain version "1.0.0";']
    for i in range(DEPTH - 1):
        lines.append(f"struct S{i} {{ 1: next: optional<S{i + 1}>; 2: n: u32; }}")
    lines.append(f"struct S{DEPTH - 1} {{ 1: x: f32; }}")
    lines.append("struct Plain { 1: n: u32; }")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_5000_deep_chain_generates_and_imports(generate: Any, tmp_path: Path) -> None:
    root = generate("gen_deep_chain", [chain_schema(tmp_path / "deep.interop")])
    mod = import_generated(root, "gen_deep_chain", "deep_chain")
    assert len(mod.CODECS) == DEPTH + 1
    # The f32 at the far end is seen from the head of the chain (the msgpack writer relies on it).
    assert mod.CODECS["S0"].has_f32 and mod.CODECS[f"S{DEPTH - 2}"].has_f32
    assert not mod.CODECS["Plain"].has_f32
    value = mod.S0(next=mod.S1(n=3), n=2)
    for codec in ("msgpack", "json"):
        data = mod.CODECS["S0"].encode(value, codec)
        assert mod.CODECS["S0"].decode(data, codec, 64) == value
    last = mod.CODECS[f"S{DEPTH - 1}"]
    assert last.encode(getattr(mod, f"S{DEPTH - 1}")(x=1.5), "msgpack") == bytes.fromhex("8101ca3fc00000")
