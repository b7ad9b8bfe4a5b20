"""The error envelope of docs/wire.md §4: {1 code u32, 2 message string, 3 type?, 4 detail?}.
`detail` is the declared error value encoded by the error type's own codec and nested in the
envelope (not as bytes); decoding returns it as a parsed tree that the error type's reader
checks at depth 2. In protobuf the envelope is the message interop.ErrorEnvelope (docs/wire.md §4)
and `detail` the error's message as field 4, returned as its bytes; in flatbuffers it is the table
interop.ErrorEnvelope of docs/wire.md §3.6, `detail` the error's own FlatBuffer as a [ubyte]."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codec.json_canonical import json_str, json_text_to_bytes, parse_json
from .codec.msgpack_canonical import pack_tree, unpack_tree
from .codec.flatbuffers import U32 as FB_U32, FbLayouts, FbReader, FbWriter
from .codec.protobuf import PbReader, varint, w_str
from .codec.read import U32, read_int, read_map, read_str, skip
from .codec.type_codec import CodecName, TypeCodec
from .codec.check import CodecError
from .errors import ApplicationError, ErrorCode, InteropError, invalid

_ABSENT = object()


@dataclass(slots=True)
class ErrorEnvelope:
    code: int
    message: str
    #: Qualified error type name, for APPLICATION_ERROR.
    type: str | None = None
    #: The declared error value as a parsed tree (decode) — see encode_envelope for encoding.
    detail: Any = None


def encode_envelope(
    code: int, message: str, codec: CodecName,
    error: ApplicationError | None = None, detail_codec: TypeCodec[Any] | None = None,
) -> bytes:
    """Encodes an envelope; with an application error and its codec, type and detail are set."""
    code &= 0xFFFFFFFF
    has_detail = error is not None and detail_codec is not None
    if codec == "protobuf":
        return _pb_envelope(code, message, error, detail_codec)
    if codec == "flatbuffers":
        return _fb_envelope(code, message, error, detail_codec)
    if codec == "json":
        text = '{"code":' + str(code) + ',"message":' + json_str(message)
        if error is not None:
            text += ',"type":' + json_str(error.error_type)
            if detail_codec is not None:
                text += ',"detail":' + detail_codec.json_write(error)
        return json_text_to_bytes(text + "}")
    tree: dict[int, Any] = {1: code, 2: message}
    if error is not None:
        tree[3] = error.error_type
        if detail_codec is not None:
            tree[4] = detail_codec.msgpack_tree(error)
    return pack_tree(tree, has_detail and detail_codec is not None and detail_codec.has_f32)


def _well_formed(text: str) -> str:
    """Text for people: a lone surrogate becomes U+FFFD rather than being refused."""
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


def _pb_envelope(code: int, message: str, error: ApplicationError | None, detail_codec: TypeCodec[Any] | None) -> bytes:
    out = bytearray(b"\x08")  # field 1, varint
    varint(out, code)
    out += b"\x12"  # field 2, length-delimited
    w_str(out, _well_formed(message))
    if error is not None:
        out += b"\x1a"
        w_str(out, _well_formed(error.error_type))
        if detail_codec is not None:
            out += b"\x22"
            detail = detail_codec.encode(error, "protobuf")
            varint(out, len(detail))
            out += detail
    return bytes(out)


#: code (slot 0), message, type, detail: every slot a 4-byte scalar or offset.
_FB_ENVELOPE = FbLayouts(((0, 4), (1, 4), (2, 4), (3, 4)))


def _fb_envelope(code: int, message: str, error: ApplicationError | None, detail_codec: TypeCodec[Any] | None) -> bytes:
    w = FbWriter()
    layout = _FB_ENVELOPE.get(3 if error is None else 7 if detail_codec is None else 15)
    t = w.table(layout)
    at = layout.field_offsets
    FB_U32.pack_into(w.buf, t + at[0], code)
    w.patch(t + at[1], w.string(_well_formed(message)))
    if error is not None:
        w.patch(t + at[2], w.string(_well_formed(error.error_type)))
        if detail_codec is not None:
            # The declared error's own FlatBuffer, 8-aligned within ours (wire.md §3.6).
            w.patch(t + at[3], w.aligned_bytes(detail_codec.encode(error, "flatbuffers"), 8))
    return w.finish(t)


def _fb_decode(data: bytes, max_depth: int) -> ErrorEnvelope:
    env = ErrorEnvelope(code=0, message="")
    try:
        r = FbReader(data, max_depth)
        t = r.root()
        vt, vl, tb = r.enter(t)
        if p := r.field(t, vt, vl, tb, 0, 4):
            env.code = FB_U32.unpack_from(r.buf, p)[0]
        if p := r.field(t, vt, vl, tb, 1, 4):
            env.message = r.string(r.ref(p))
        if p := r.field(t, vt, vl, tb, 2, 4):
            env.type = r.string(r.ref(p))
        if p := r.field(t, vt, vl, tb, 3, 4):
            env.detail = r.bytes_(r.ref(p))
    except CodecError as e:
        raise InteropError(e.code, f"error envelope: {e.detail}") from None
    return env


def _pb_decode(data: bytes, max_depth: int) -> ErrorEnvelope:
    env = ErrorEnvelope(code=0, message="")
    r = PbReader(data, max_depth)
    seen: set[int] = set()
    try:
        while (n := r.field()) != 0:
            if n > 4:
                r.skip()
                continue
            if n in seen:
                raise invalid(f"duplicate field {n}")
            seen.add(n)
            r.expect(0 if n == 1 else 2)
            if n == 1:
                env.code = r.uint(0xFFFFFFFF, "u32")
            elif n == 2:
                env.message = r.string()
            elif n == 3:
                env.type = r.string()
            else:
                env.detail = r.bytes_()
    except CodecError as e:
        raise InteropError(e.code, e.detail) from None
    return env


def decode_envelope(data: bytes, codec: CodecName, max_depth: int) -> ErrorEnvelope:
    """Unknown fields are skipped (within max_depth); missing ones take zero values."""
    if codec == "protobuf":
        return _pb_decode(data, max_depth)
    if codec == "flatbuffers":
        return _fb_decode(data, max_depth)
    if codec == "json":
        obj = read_map(parse_json(data), 1, max_depth, "error envelope")
        names: tuple[Any, Any, Any, Any] = ("code", "message", "type", "detail")
    else:
        obj = read_map(unpack_tree(data), 1, max_depth, "error envelope")
        names = (1, 2, 3, 4)
    env = ErrorEnvelope(code=0, message="")
    for key, value in obj.items():
        if key == names[0]:
            env.code = read_int(value, U32, "error envelope code")
        elif key == names[1]:
            env.message = read_str(value, "error envelope message")
        elif key == names[2]:
            env.type = None if value is None else read_str(value, "error envelope type")
        elif key == names[3]:
            env.detail = value
            skip(value, 2, max_depth)
        else:
            skip(value, 2, max_depth)
    return env


def error_from_envelope(
    env: ErrorEnvelope, codec: CodecName, max_depth: int,
    known: dict[str, tuple[type[ApplicationError], TypeCodec[Any]]],
) -> InteropError:
    """Turns an envelope into the exception the caller sees: a declared error as its own class
    (with its fields and the envelope's message), everything else as InteropError."""
    if env.code == ErrorCode.APPLICATION_ERROR and env.type is not None and env.type in known:
        _cls, detail_codec = known[env.type]
        reader = detail_codec.json_read if codec == "json" else detail_codec.msgpack_read
        try:
            if codec in ("protobuf", "flatbuffers"):
                error = detail_codec.decode(env.detail or b"", codec, max_depth)
            else:
                error = reader({} if env.detail is None else env.detail, 2, max_depth)
        except InteropError as e:
            return InteropError(ErrorCode.INVALID_ARGUMENT, f"undecodable {env.type}: {e.message}")
        if isinstance(error, ApplicationError):
            error.message = env.message
            error.args = (env.message,)
            return error
    message = env.message
    if env.code == ErrorCode.APPLICATION_ERROR and env.type is not None:
        message = f"{env.type}: {message}"
    return InteropError(env.code, message)
