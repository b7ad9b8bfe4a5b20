"""Frame golden vectors (test/vectors/frames.json): valid frames decode to their header fields
and re-encode byte for byte, also when fed one byte at a time; invalid ones give the expected
error, fatal (close) or answered on their correlation id."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interop_runtime.errors import ErrorCode
from interop_runtime.frames import Frame, FrameDecoder, FrameError, FrameKind, encode_frame
from interop_runtime.limits import DEFAULT_LIMITS

from conftest import VECTORS

FRAMES = json.loads((VECTORS / "frames.json").read_text())


def decoder() -> FrameDecoder:
    return FrameDecoder(DEFAULT_LIMITS.max_frame_bytes, DEFAULT_LIMITS.max_target_bytes)


@pytest.mark.parametrize("vector", FRAMES["valid"], ids=[v["name"] for v in FRAMES["valid"]])
def test_valid_frame(vector: dict[str, Any]) -> None:
    data = bytes.fromhex(vector["hex"])
    items = decoder().push(data)
    assert len(items) == 1
    frame = items[0]
    assert isinstance(frame, Frame)
    assert (frame.kind, frame.codec, frame.flags, frame.correlation, frame.timeout_ms, frame.target) == (
        vector["kind_value"], vector["codec_value"], vector["flags"], vector["correlation"],
        vector["timeout_ms"], vector["target"])
    assert frame.payload.hex() == vector["payload_hex"]
    assert encode_frame(frame) == data
    # The same bytes one at a time: nothing is returned before the frame is complete.
    d = decoder()
    collected: list[Frame | FrameError] = []
    for i in range(len(data)):
        collected += d.push(data[i:i + 1])
        if i < len(data) - 1:
            assert collected == []
    assert collected == [frame]


@pytest.mark.parametrize("vector", FRAMES["invalid"], ids=[v["name"] for v in FRAMES["invalid"]])
def test_invalid_frame(vector: dict[str, Any]) -> None:
    d = decoder()
    items = d.push(bytes.fromhex(vector["hex"]))
    if vector.get("eof"):
        assert items == []
        end = d.end()
        assert end is not None
        items = [end]
    assert len(items) == 1
    error = items[0]
    assert isinstance(error, FrameError)
    assert error.code == ErrorCode[vector["code"]]
    assert error.fatal == vector["close"]
    if not vector["close"]:
        assert error.correlation == vector["answer_correlation"]
        # The connection goes on: a following valid frame still decodes.
        ping = encode_frame(Frame(kind=FrameKind.PING, correlation=99))
        assert isinstance(d.push(ping)[0], Frame)
    else:
        assert d.push(b"\x0e\x00\x00\x00") == []  # a failed decoder ignores later input


def test_exactly_max_frame_bytes_is_accepted() -> None:
    d = FrameDecoder(100, 1024)
    frame = Frame(kind=FrameKind.PING, correlation=1, payload=b"x" * (100 - 14))
    assert d.push(encode_frame(frame)) == [frame]
    too_big = Frame(kind=FrameKind.PING, correlation=1, payload=b"x" * (101 - 14))
    error = FrameDecoder(100, 1024).push(encode_frame(too_big)[:4])[0]
    assert isinstance(error, FrameError) and error.code == ErrorCode.RESOURCE_EXHAUSTED
