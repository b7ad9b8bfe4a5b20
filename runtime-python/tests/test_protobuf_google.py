"""google's protobuf for Python (the PyPI package, its upb runtime) as the oracle of our protobuf
codec: `interopc gen --lang proto` writes the schema, `protoc --python_out` google's code for it.
Every golden vector of a message type (test/vectors/protobuf.json): google's code decodes our
bytes and writes exactly them back (deterministic serialization), and our codec decodes what
google wrote to the same value. The ERROR envelope likewise, with its declared error's detail."""

from __future__ import annotations

import importlib
import json
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime.envelope import decode_envelope, encode_envelope
from interop_runtime.errors import ErrorCode

from conftest import INTEROPC, REPO, VECTORS

GOLDEN = json.loads((VECTORS / "protobuf.json").read_text())["vectors"]


@pytest.fixture(scope="module")
def google(tmp_path_factory: pytest.TempPathFactory) -> tuple[types.ModuleType, types.ModuleType, set[str]]:
    """(vectors_pb2, error_envelope_pb2, the message names of interop/vectors.proto)."""
    out = tmp_path_factory.mktemp("google-pb")
    gen = subprocess.run([*INTEROPC, "gen", "--lang", "proto", "--out", str(out), str(VECTORS / "vectors.interop")],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert gen.returncode == 0, gen.stderr
    protos = ["interop/vectors.proto", "interop/error_envelope.proto"]
    pc = subprocess.run(["protoc", "-I", str(out), f"--python_out={out}", *protos], capture_output=True, text=True, timeout=120)
    assert pc.returncode == 0, pc.stderr
    sys.path.insert(0, str(out))
    try:
        vectors = importlib.import_module("interop.vectors_pb2")
        envelope = importlib.import_module("interop.error_envelope_pb2")
    finally:
        sys.path.remove(str(out))
    names = set(re.findall(r"^message (\w+) \{", (out / "interop" / "vectors.proto").read_text(), re.M))
    return vectors, envelope, names


def test_google_decodes_ours_and_we_decode_googles(google: tuple[types.ModuleType, types.ModuleType, set[str]],
                                                   vectors_module: types.ModuleType) -> None:
    pb2, _envelope, messages = google
    checked = 0
    for v in GOLDEN:
        name = v["type"].removeprefix("interop.vectors.")
        if name not in messages:
            continue  # an alias or enum: a wrapper message, checked against protoc by runtime-ts's test
        ours = bytes.fromhex(v["protobuf"])
        message = getattr(pb2, name).FromString(ours)
        theirs = message.SerializeToString(deterministic=True)
        assert theirs == ours, f"{v['name']}: google re-encodes {message}"
        codec = vectors_module.CODECS[name]
        assert codec.encode(codec.decode(theirs, "protobuf", 64), "protobuf") == ours, v["name"]
        checked += 1
    assert checked >= 20


def test_google_reads_a_field_it_changed(google: tuple[types.ModuleType, types.ModuleType, set[str]],
                                        vectors_module: types.ModuleType) -> None:
    """Not only our own bytes back: a value google built (fields set in its own order) decodes."""
    pb2, _envelope, _messages = google
    point = pb2.Point()
    point.y = -7
    point.x = 3
    value = vectors_module.CODECS["Point"].decode(point.SerializeToString(), "protobuf", 64)
    assert (value.x, value.y) == (3, -7)


def test_error_envelope(google: tuple[types.ModuleType, types.ModuleType, set[str]], vectors_module: types.ModuleType) -> None:
    pb2, envelope_pb2, _messages = google
    failure_codec: Any = vectors_module.CODECS["Failure"]
    failure = failure_codec.decode(bytes.fromhex(next(v["protobuf"] for v in GOLDEN if v["type"].endswith(".Failure"))), "protobuf", 64)
    ours = encode_envelope(ErrorCode.APPLICATION_ERROR, "it failed", "protobuf", failure, failure_codec)
    env = envelope_pb2.ErrorEnvelope.FromString(ours)
    assert (env.code, env.message, env.type) == (101, "it failed", failure.error_type)
    assert pb2.Failure.FromString(env.detail).SerializeToString(deterministic=True) == failure_codec.encode(failure, "protobuf")
    assert env.SerializeToString(deterministic=True) == ours
    theirs = envelope_pb2.ErrorEnvelope(code=14, message="gone").SerializeToString()
    back = decode_envelope(theirs, "protobuf", 64)
    assert (back.code, back.message, back.type, back.detail) == (14, "gone", None, None)
