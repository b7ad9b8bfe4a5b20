"""HELLO / WELCOME payloads (docs/wire.md §2): canonical JSON objects, and the checks both sides
run on them before any call is made."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .codec.type_codec import CodecName
from .compat import CompatTable, parse_compat_table
from .errors import ErrorCode, InteropError

PROTOCOL_VERSIONS: tuple[int, ...] = (1,)
#: The reserved control module needs no fingerprint and is always offered (docs/wire.md §7).
CONTROL_MODULE = "interop.control"
#: What a node decodes and lists in its handshake, in order of preference (docs/wire.md §2).
KNOWN_CODECS: tuple[CodecName, ...] = ("msgpack", "json", "protobuf", "flatbuffers")


@dataclass(slots=True)
class Hello:
    codecs: list[CodecName]
    node: str
    offers: dict[str, str] = field(default_factory=dict)
    #: Module name -> compatibility table (docs/wire.md §2.2), for every offered module that has one.
    compat: dict[str, CompatTable] = field(default_factory=dict)
    protocol: list[int] = field(default_factory=lambda: list(PROTOCOL_VERSIONS))
    wants: dict[str, str] = field(default_factory=dict)
    token: str | None = None


@dataclass(slots=True)
class Welcome:
    codecs: list[CodecName]
    node: str
    offers: dict[str, str] = field(default_factory=dict)
    #: Tables of the offered modules that HELLO wants with a different fingerprint.
    compat: dict[str, CompatTable] = field(default_factory=dict)
    protocol: int = 1
    wants: dict[str, str] = field(default_factory=dict)


def canonical_json(value: Any) -> bytes:
    """Plain-JSON documents (handshake, control channel): sorted keys, no whitespace, raw UTF-8.
    They hold only strings, integers, lists and objects, for which json.dumps is canonical."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_hello(hello: Hello) -> bytes:
    doc: dict[str, Any] = {
        "codecs": hello.codecs, "compat": {k: t.doc for k, t in hello.compat.items()}, "node": hello.node,
        "offers": hello.offers, "protocol": hello.protocol, "wants": hello.wants,
    }
    if hello.token is not None:
        doc["token"] = hello.token
    return canonical_json(doc)


def encode_welcome(welcome: Welcome) -> bytes:
    return canonical_json({
        "codecs": welcome.codecs, "compat": {k: t.doc for k, t in welcome.compat.items()}, "node": welcome.node,
        "offers": welcome.offers, "protocol": welcome.protocol, "wants": welcome.wants,
    })


def _protocol_error(message: str) -> InteropError:
    return InteropError(ErrorCode.PROTOCOL_ERROR, message)


def _parse_object(data: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _protocol_error(f"{what}: payload is not JSON") from None
    if not isinstance(doc, dict):
        raise _protocol_error(f"{what}: payload is not a JSON object")
    return doc


def _string_map(value: Any, what: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise _protocol_error(f"{what}: expected an object of fingerprint strings")
    return dict(value)


def _compat_tables(value: Any, what: str) -> dict[str, CompatTable]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _protocol_error(f"{what}: expected an object")
    return {k: parse_compat_table(v, f"{what}.{k}") for k, v in value.items()}


def _codecs(value: Any, what: str) -> list[CodecName]:
    if not isinstance(value, list):
        raise _protocol_error(f"{what}: expected an array of codec names")
    # Names this runtime does not know are ignored: a newer peer may list more codecs.
    return [c for c in value if c in KNOWN_CODECS]


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def decode_hello(data: bytes) -> Hello:
    o = _parse_object(data, "HELLO")
    protocol = o.get("protocol")
    if not isinstance(protocol, list) or not all(_is_int(v) for v in protocol):
        raise _protocol_error("HELLO.protocol: expected an array of integers")
    token = o.get("token")
    if token is not None and not isinstance(token, str):
        raise _protocol_error("HELLO.token: expected a string")
    node = o.get("node")
    return Hello(
        codecs=_codecs(o.get("codecs"), "HELLO.codecs"), node=node if isinstance(node, str) else "",
        offers=_string_map(o.get("offers"), "HELLO.offers"), compat=_compat_tables(o.get("compat"), "HELLO.compat"),
        protocol=protocol, wants=_string_map(o.get("wants"), "HELLO.wants"), token=token)


def decode_welcome(data: bytes) -> Welcome:
    o = _parse_object(data, "WELCOME")
    protocol = o.get("protocol")
    if not isinstance(protocol, int) or isinstance(protocol, bool):
        raise _protocol_error("WELCOME.protocol: expected an integer")
    node = o.get("node")
    return Welcome(
        codecs=_codecs(o.get("codecs"), "WELCOME.codecs"), node=node if isinstance(node, str) else "",
        offers=_string_map(o.get("offers"), "WELCOME.offers"),
        compat=_compat_tables(o.get("compat"), "WELCOME.compat"), protocol=protocol,
        wants=_string_map(o.get("wants"), "WELCOME.wants"))


def choose_protocol(offered: list[int], supported: tuple[int, ...] = PROTOCOL_VERSIONS) -> int | None:
    """The highest version both sides speak, or None."""
    common = [v for v in offered if v in supported]
    return max(common) if common else None


#: Added to NOT_FOUND when a module is wanted on a control endpoint (the same words in every runtime).
CONTROL_ENDPOINT_HINT = ("this is a control endpoint, which serves only interop.control (manifest, health); "
                         "call the node at one of its data endpoints (the \"listen\" addresses of its config)")


def check_wants(wants: dict[str, str], offers: dict[str, str]) -> InteropError | None:
    """A peer's `wants` against our `offers`: a wanted module not offered is NOT_FOUND, the error
    to send. A different fingerprint is no refusal: each call is judged on its own with the
    compatibility tables (docs/wire.md §2.2)."""
    for name in wants:
        if name != CONTROL_MODULE and name not in offers:
            return InteropError(ErrorCode.NOT_FOUND, f"module {name} is not offered on this connection")
    return None


def differing_wants(wants: dict[str, str], offers: dict[str, str]) -> list[str]:
    """The modules of `offers` whose tables a WELCOME carries: wanted with a different fingerprint."""
    return [name for name, fingerprint in wants.items() if name in offers and offers[name] != fingerprint]
