"""Every golden payload vector of test/vectors/payloads.json, through the generated codecs:
canonical vectors decode and re-encode byte for byte in both codecs (and JSON → value → msgpack
agrees), decode-only inputs decode to the canonical bytes, rejected inputs fail with their code,
and an f32/f64 given as a Python int encodes as the float it converts to."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.codec.type_codec import TypeCodec

from conftest import VECTORS

PAYLOADS = json.loads((VECTORS / "payloads.json").read_text())
MAX_DEPTH = 64


def codec_of(module: types.ModuleType, qualified: str) -> TypeCodec[Any]:
    prefix = "interop.vectors."
    assert qualified.startswith(prefix), qualified
    codec: TypeCodec[Any] = module.CODECS[qualified[len(prefix):]]
    return codec


def ids(entries: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in entries]


@pytest.mark.parametrize("vector", PAYLOADS["vectors"], ids=ids(PAYLOADS["vectors"]))
def test_canonical_vector(vectors_module: types.ModuleType, vector: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, vector["type"])
    json_bytes = vector["json"].encode("utf-8")
    msgpack_bytes = bytes.fromhex(vector["msgpack"])
    from_json = codec.decode(json_bytes, "json", MAX_DEPTH)
    assert codec.encode(from_json, "json") == json_bytes
    from_msgpack = codec.decode(msgpack_bytes, "msgpack", MAX_DEPTH)
    assert codec.encode(from_msgpack, "msgpack").hex() == vector["msgpack"]
    # Both codecs describe the same value.
    assert codec.encode(from_json, "msgpack").hex() == vector["msgpack"]
    assert codec.encode(from_msgpack, "json") == json_bytes


def raw_input(entry: dict[str, Any]) -> bytes:
    if "input_hex" in entry:
        return bytes.fromhex(entry["input_hex"])
    text: str = entry["input"]
    return bytes.fromhex(text) if entry["codec"] == "msgpack" else text.encode("utf-8")


@pytest.mark.parametrize("entry", PAYLOADS["decode_only"], ids=ids(PAYLOADS["decode_only"]))
def test_decode_only(vectors_module: types.ModuleType, entry: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, entry["type"])
    value = codec.decode(raw_input(entry), entry["codec"], MAX_DEPTH)
    encoded = codec.encode(value, entry["codec"])
    expected = entry["canonical"]
    if entry["codec"] == "msgpack":
        assert encoded.hex() == expected
    else:
        assert encoded.decode("utf-8") == expected


@pytest.mark.parametrize("entry", PAYLOADS["reject"], ids=ids(PAYLOADS["reject"]))
def test_reject(vectors_module: types.ModuleType, entry: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, entry["type"])
    with pytest.raises(InteropError) as info:
        codec.decode(raw_input(entry), entry["codec"], MAX_DEPTH)
    assert info.value.code == ErrorCode[entry["code"]], info.value


@pytest.mark.parametrize("entry", PAYLOADS["from_integer"], ids=ids(PAYLOADS["from_integer"]))
def test_float_given_as_an_int(vectors_module: types.ModuleType, entry: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, entry["type"])
    value = int(entry["integer"])
    assert codec.encode(value, "msgpack").hex() == entry["msgpack"]
    assert codec.encode(value, "json").decode("utf-8") == entry["json"]
