"""Handshake golden vectors (test/vectors/handshake.json, docs/wire.md §2): HELLO and WELCOME
payloads decode and re-encode byte for byte, malformed ones are PROTOCOL_ERROR, and the comparison
rule of §2.2 gives every listed verdict with its exact message."""

from __future__ import annotations

import json
from typing import Any

import pytest

from interop_runtime.compat import CompatTable, parse_compat_table, verdict
from interop_runtime.errors import InteropError, error_code_name
from interop_runtime.handshake import decode_hello, decode_welcome, encode_hello, encode_welcome

from conftest import VECTORS

HANDSHAKE = json.loads((VECTORS / "handshake.json").read_text())


def names(group: str) -> list[str]:
    return [v["name"] for v in HANDSHAKE[group]]


@pytest.mark.parametrize("vector", HANDSHAKE["payloads"], ids=names("payloads"))
def test_payload_round_trips(vector: dict[str, Any]) -> None:
    data = vector["json"].encode()
    again = encode_hello(decode_hello(data)) if vector["kind"] == "HELLO" else encode_welcome(decode_welcome(data))
    assert again == data


@pytest.mark.parametrize("vector", HANDSHAKE["reject"], ids=names("reject"))
def test_malformed_payload_is_refused(vector: dict[str, Any]) -> None:
    decode = decode_hello if vector["kind"] == "HELLO" else decode_welcome
    with pytest.raises(InteropError) as refused:
        decode(vector["json"].encode())
    assert error_code_name(refused.value.code) == vector["code"]


def table(t: str | dict[str, Any]) -> CompatTable:
    return parse_compat_table(HANDSHAKE["tables"][t] if isinstance(t, str) else t, "vector")


@pytest.mark.parametrize("vector", HANDSHAKE["verdicts"], ids=names("verdicts"))
def test_verdict(vector: dict[str, Any]) -> None:
    error = verdict(vector["kind"], vector["module"], vector["member"], table(vector["ours"]), table(vector["theirs"]))
    assert (None if error is None else error_code_name(error.code)) == vector["code"]
    assert (None if error is None else error.message) == vector["message"]
