"""The protobuf codec of generated Python (ADR 0028, docs/wire.md §3.5) against the golden bytes of
test/vectors/protobuf.json, which runtime-ts's test made and checked with google's protoc: every
payload vector (read from its JSON) encodes to exactly those bytes and decodes from them to the
same value, and every hostile input fails with the same code and message as in TypeScript."""

from __future__ import annotations

import json
import random
import types
from typing import Any

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.codec.type_codec import TypeCodec

from conftest import VECTORS, decode_mutations

PAYLOADS = {v["name"]: v for v in json.loads((VECTORS / "payloads.json").read_text())["vectors"]}
GOLDEN = json.loads((VECTORS / "protobuf.json").read_text())
MAX_DEPTH = 64


def codec_of(module: types.ModuleType, qualified: str) -> TypeCodec[Any]:
    codec: TypeCodec[Any] = module.CODECS[qualified.removeprefix("interop.vectors.")]
    return codec


def test_golden_covers_every_payload_vector() -> None:
    assert [v["name"] for v in GOLDEN["vectors"]] == list(PAYLOADS)


@pytest.mark.parametrize("vector", GOLDEN["vectors"], ids=[v["name"] for v in GOLDEN["vectors"]])
def test_protobuf_vector(vectors_module: types.ModuleType, vector: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, vector["type"])
    json_bytes = PAYLOADS[vector["name"]]["json"].encode("utf-8")
    value = codec.decode(json_bytes, "json", MAX_DEPTH)
    assert codec.encode(value, "protobuf").hex() == vector["protobuf"]
    back = codec.decode(bytes.fromhex(vector["protobuf"]), "protobuf", MAX_DEPTH)
    assert codec.encode(back, "json") == json_bytes


@pytest.mark.parametrize("case", GOLDEN["reject"], ids=[c["name"] for c in GOLDEN["reject"]])
def test_protobuf_reject(vectors_module: types.ModuleType, case: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, case["type"])
    with pytest.raises(InteropError) as info:
        codec.decode(bytes.fromhex(case["input"]), "protobuf", MAX_DEPTH)
    assert info.value.code == ErrorCode[case["code"]]
    assert info.value.message == case["message"]


def test_protobuf_depth_limit(vectors_module: types.ModuleType) -> None:
    # Tree { children: list<Tree> } 100 deep: field 2 of each level holds the next.
    inner = b""
    for _ in range(100):
        n = len(inner)
        length = bytearray()
        while n >= 0x80:
            length.append((n & 0x7F) | 0x80)
            n >>= 7
        length.append(n)
        inner = b"\x12" + bytes(length) + inner
    with pytest.raises(InteropError) as info:
        codec_of(vectors_module, "Tree").decode(inner, "protobuf", MAX_DEPTH)
    assert info.value.code == ErrorCode.RESOURCE_EXHAUSTED
    assert "nested deeper than 64" in info.value.message


def test_protobuf_fuzz(vectors_module: types.ModuleType) -> None:
    """Every golden encoding with bytes flipped, cut or inserted (seeded, so a failure repeats),
    and random bytes: a decode either succeeds, and then re-encodes and decodes the same, or fails
    with a typed error. Never another exception."""
    rng = random.Random(17)
    tried = 0
    for vector in GOLDEN["vectors"]:
        codec = codec_of(vectors_module, vector["type"])
        good = bytes.fromhex(vector["protobuf"])
        tried += decode_mutations(codec, good, "protobuf", rng, MAX_DEPTH)
    assert tried > 0
