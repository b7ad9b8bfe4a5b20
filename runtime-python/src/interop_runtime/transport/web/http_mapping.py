"""How the HTTP transport names things, as in the TS runtime (docs/transports.md, "HTTP"): error
codes as statuses (google.rpc.Code's mapping), codecs as content types, the well-known paths."""

from __future__ import annotations

import re

from ...codec.type_codec import CodecName
from ...errors import ErrorCode

_STATUS_OF_CODE: dict[int, int] = {
    ErrorCode.CANCELLED: 499,
    ErrorCode.UNKNOWN: 500,
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.DEADLINE_EXCEEDED: 504,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.RESOURCE_EXHAUSTED: 429,
    ErrorCode.UNIMPLEMENTED: 501,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.UNAUTHENTICATED: 401,
    ErrorCode.SCHEMA_MISMATCH: 409,
    ErrorCode.APPLICATION_ERROR: 422,
    ErrorCode.PROTOCOL_ERROR: 400,
}


def status_of_code(code: int) -> int:
    return _STATUS_OF_CODE.get(code, 500)


def code_of_status(status: int) -> int:
    """The code of an HTTP answer that carries no error envelope (a proxy's page, say)."""
    if status == 401:
        return ErrorCode.UNAUTHENTICATED
    if status == 403:
        return ErrorCode.PERMISSION_DENIED
    if status == 404:
        return ErrorCode.NOT_FOUND
    if status == 413:
        return ErrorCode.RESOURCE_EXHAUSTED
    if status in (429, 502, 503, 504):
        return ErrorCode.UNAVAILABLE
    return ErrorCode.UNKNOWN


JSON_TYPE = "application/json"
MSGPACK_TYPE = "application/msgpack"
PROTOBUF_TYPE = "application/x-protobuf"
FLATBUFFERS_TYPE = "application/x-flatbuffers"


def codec_of_content_type(content_type: str | None) -> CodecName | None:
    """No type and the form type `curl -d` sends read as JSON, so that the shell needs no header."""
    t = (content_type or "").split(";")[0].strip().lower()
    if t in ("", JSON_TYPE, "application/x-www-form-urlencoded", "text/plain"):
        return "json"
    if t in (MSGPACK_TYPE, "application/x-msgpack", "application/vnd.msgpack"):
        return "msgpack"
    if t in (PROTOBUF_TYPE, "application/protobuf", "application/proto"):
        return "protobuf"
    if t == FLATBUFFERS_TYPE:
        return "flatbuffers"
    return None


_CONTENT_TYPES: dict[CodecName, str] = {"json": JSON_TYPE, "msgpack": MSGPACK_TYPE, "protobuf": PROTOBUF_TYPE, "flatbuffers": FLATBUFFERS_TYPE}


def content_type_of(codec: CodecName) -> str:
    return _CONTENT_TYPES[codec]


WELL_KNOWN = "/.well-known/interop"
HELLO_PATH = WELL_KNOWN + "/hello"
PING_PATH = WELL_KNOWN + "/ping"
MANIFEST_PATH = WELL_KNOWN + "/manifest"
HEALTH_PATH = WELL_KNOWN + "/health"
TIMEOUT_HEADER = "interop-timeout-ms"


def streams_not_over_http(target: str) -> str:
    """Why a stream function cannot be called over HTTP (ADR 0023): the listener answers a POST to
    one with it (501), and a client dialing http:// fails a stream with it (UNIMPLEMENTED) before
    sending anything."""
    return f"{target} is a stream function: streams are not carried over HTTP; call it over ws:// (or another transport)"

_TARGET_PATH = re.compile(r"^/([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/([A-Za-z_][A-Za-z0-9_]*|\*)$")


def target_of_path(path: str) -> str | None:
    m = _TARGET_PATH.match(path)
    return f"{m.group(1)}.{m.group(2)}" if m else None


def path_of_target(target: str) -> str:
    module, _, member = target.rpartition(".")
    return f"/{module}/{member}"
