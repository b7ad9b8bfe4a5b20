"""The FlatBuffers codec's primitives (docs/wire.md §3.6, ADR 0041), called by generated `_fw_*`
and `_fr_*` functions.

Writing: FbWriter appends the canonical forward layout at one cursor (a bytearray's end) and
patches 4-byte offsets; it never moves bytes. A table's shape (which slots it writes, at which
offsets) is an FbLayout, made once per set of written slots and kept by the generated code.

Reading: FbReader accepts any valid layout and checks every rule of §3.6: offsets, vtables and
fields inside the payload, strings with their 0 byte, bools 0 or 1, `max_depth` tables deep, and
no more bytes read than the payload holds (shared offsets cannot multiply a small payload)."""

from __future__ import annotations

import json
import math
import struct
from typing import Any, Sequence
from ..errors import ErrorCode
from .check import CodecError

U8 = struct.Struct("<B")
I8 = struct.Struct("<b")
U16 = struct.Struct("<H")
I16 = struct.Struct("<h")
U32 = struct.Struct("<I")
I32 = struct.Struct("<i")
U64 = struct.Struct("<Q")
I64 = struct.Struct("<q")
F32 = struct.Struct("<f")
F64 = struct.Struct("<d")
_VTABLE_HEAD = struct.Struct("<HH")
#: The root table with no field: what an empty payload means (an empty HTTP body).
_EMPTY_ROOT = b"\x08\x00\x00\x00\x04\x00\x04\x00\x04\x00\x00\x00"


def _error(detail: str, code: int = ErrorCode.INVALID_ARGUMENT) -> CodecError:
    e = CodecError(detail)
    e.code = code
    return e


class FbLayout:
    """One table shape. `fields` are (slot, size) of every field the table type has, in ascending
    slot order; `mask` says which are written. `field_offsets[i]` is the offset of field i from
    the table's start (0 when not written)."""

    __slots__ = ("align", "vtable", "table_bytes", "field_offsets")

    def __init__(self, fields: tuple[tuple[int, int], ...], mask: int) -> None:
        written = [(i, slot, size) for i, (slot, size) in enumerate(fields) if mask >> i & 1]
        n = written[-1][1] + 1 if written else 0
        slot_offsets = [0] * n
        field_offsets = [0] * len(fields)
        end = 4
        align = 4
        for i, slot, size in written:
            end = (end + size - 1) // size * size
            field_offsets[i] = end
            slot_offsets[slot] = end
            end += size
            align = max(align, size)
        self.align = align
        self.table_bytes = end
        self.field_offsets = tuple(field_offsets)
        self.vtable = struct.pack(f"<{2 + n}H", 4 + 2 * n, end, *slot_offsets)


class FbLayouts:
    """The layouts of one table type, one per set of written fields (a bit mask over its fields
    in slot order), made when first needed."""

    __slots__ = ("fields", "cache")

    def __init__(self, fields: tuple[tuple[int, int], ...]) -> None:
        self.fields = fields
        self.cache: dict[int, FbLayout] = {}

    def get(self, mask: int) -> FbLayout:
        layout = self.cache.get(mask)
        if layout is None:
            layout = self.cache[mask] = FbLayout(self.fields, mask)
        return layout


def fb_f64(v: float) -> float:
    """The float to pack: NaN is the quiet NaN with the sign bit clear (§3.6)."""
    return math.nan if v != v else v


def fb_f32(v: float) -> float:
    """As fb_f64; beyond f32's range it is what rounding to f32 gives (the value check allows it)."""
    v = float(v)
    if v != v:
        return math.nan
    if -3.4028235677973366e38 <= v <= 3.4028235677973366e38:
        return v
    return math.copysign(math.inf, v)


class FbWriter:
    """Appends objects to `buf` in the canonical order; each method returns the object's position
    (a table's start, a string's or vector's count), which the caller patches into its offset."""

    __slots__ = ("buf",)

    def __init__(self) -> None:
        self.buf = bytearray(4)  # the root offset, patched by finish()

    def table(self, layout: FbLayout) -> int:
        """Places the vtable and a zeroed table (its soffset set); returns the table's start."""
        buf = self.buf
        vtable = layout.vtable
        a = layout.align
        t = (len(buf) + len(vtable) + a - 1) // a * a
        buf += bytes(t - len(vtable) - len(buf))
        buf += vtable
        buf += bytes(layout.table_bytes)
        I32.pack_into(buf, t, len(vtable))
        return t

    def patch(self, at: int, target: int) -> None:
        U32.pack_into(self.buf, at, target - at)

    def string(self, v: str) -> int:
        return self.bytes_(v.encode("utf-8"), True)

    def bytes_(self, data: bytes, nul: bool = False) -> int:
        buf = self.buf
        p = (len(buf) + 3) & ~3
        buf += bytes(p - len(buf))
        buf += U32.pack(len(data))
        buf += data
        if nul:
            buf.append(0)
        return p

    def scalars(self, code: str, size: int, values: Sequence[Any]) -> int:
        """A vector of scalars (struct format `code`, `size` bytes each)."""
        buf = self.buf
        p = (len(buf) + 3) & ~3
        while (p + 4) % size:
            p += 4
        buf += bytes(p - len(buf))
        buf += U32.pack(len(values))
        if code == "f":
            buf += struct.pack(f"<{len(values)}f", *(fb_f32(x) for x in values))
        elif code == "d":
            buf += struct.pack(f"<{len(values)}d", *(fb_f64(x) for x in values))
        elif code == "?":
            buf += bytes(1 if x else 0 for x in values)
        else:
            buf += struct.pack(f"<{len(values)}{code}", *values)
        return p

    def aligned_bytes(self, data: bytes, align: int) -> int:
        """A `[ubyte]` whose bytes start at a multiple of `align` (the envelope's nested buffer)."""
        buf = self.buf
        p = (len(buf) + 3) & ~3
        while (p + 4) % align:
            p += 4
        buf += bytes(p - len(buf))
        buf += U32.pack(len(data))
        buf += data
        return p

    def offsets(self, n: int) -> int:
        """A vector of n offsets (tables or strings), zeroed: the caller patches each."""
        buf = self.buf
        p = (len(buf) + 3) & ~3
        buf += bytes(p - len(buf))
        buf += U32.pack(n)
        buf += bytes(4 * n)
        return p

    def finish(self, root: int) -> bytes:
        U32.pack_into(self.buf, 0, root)
        return bytes(self.buf)


class FbReader:
    """Reads one payload. `budget` is the bytes still allowed to be read, counted as
    test/vectors/README.md "flatbuffers.json" says (a table 4, a field its inline size, a string or
    vector 4 + count × size, vtables free), so that every runtime stops at the same place."""

    __slots__ = ("buf", "size", "depth", "max_depth", "budget")

    def __init__(self, data: bytes, max_depth: int) -> None:
        if not data:
            data = _EMPTY_ROOT
        self.buf = bytes(data)
        self.size = len(self.buf)
        self.depth = 0
        self.max_depth = max_depth
        self.budget = self.size
        if self.size < 4:
            raise _error(f"a payload of {self.size} bytes (a FlatBuffer has at least 4)")

    def root(self) -> int:
        return self.ref(0)

    def _spend(self, n: int) -> None:
        self.budget -= n
        if self.budget < 0:
            raise _error(f"decoding reads more than the payload's {self.size} bytes (objects referred to more than once)",
                         ErrorCode.RESOURCE_EXHAUSTED)

    def ref(self, at: int) -> int:
        """The target of the uoffset at `at` (which is inside the payload): an object of 4 bytes at least."""
        target: int = at + U32.unpack_from(self.buf, at)[0]
        if target + 4 > self.size:
            raise _error(f"the offset at {at} points outside the payload ({self.size} bytes)")
        return target

    def enter(self, t: int) -> tuple[int, int, int]:
        """Checks the table at t (its 4 bytes are inside the payload) and its vtable; one level
        deeper. Returns (vtable, vtable_bytes, table_bytes); `leave()` when its fields are read."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise _error(f"nesting deeper than max_depth {self.max_depth}", ErrorCode.RESOURCE_EXHAUSTED)
        size = self.size
        vt = t - I32.unpack_from(self.buf, t)[0]
        if vt < 0 or vt + 4 > size:
            raise _error(f"the vtable of the table at {t} is outside the payload")
        vl, tb = _VTABLE_HEAD.unpack_from(self.buf, vt)
        if vl < 4 or vl & 1:
            raise _error(f"the vtable at {vt} has size {vl} (odd or below 4)")
        if vt + vl > size:
            raise _error(f"the vtable at {vt} ends past the payload")
        self._spend(4)
        return vt, vl, tb

    def leave(self) -> None:
        self.depth -= 1

    def field(self, t: int, vt: int, vl: int, tb: int, slot: int, size: int) -> int:
        """The position of the field in `slot` (`size` bytes inline), or 0 when it is absent."""
        at = 4 + 2 * slot
        if at + 2 > vl:
            return 0
        o: int = U16.unpack_from(self.buf, vt + at)[0]
        if o == 0:
            return 0
        if o + size > tb:
            raise _error(f"field {slot} at offset {o} is past the table's {tb} bytes")
        p = t + o
        if p + size > self.size:
            raise _error(f"field {slot} of the table at {t} ends past the payload")
        self._spend(size)
        return p

    def bool_(self, p: int) -> bool:
        b = self.buf[p]
        if b > 1:
            raise _error(f"expected bool, got a byte of {b}")
        return b == 1

    def _count(self, at: int, size: int, what: str) -> tuple[int, int]:
        n: int = U32.unpack_from(self.buf, at)[0]
        left = self.size - at - 4
        if n * size > left:
            shown = f"a string of {n} bytes" if what == "string" else f"a vector of {n} elements of size {size}"
            raise _error(f"{shown} at {at} but only {left} bytes left", ErrorCode.RESOURCE_EXHAUSTED)
        self._spend(4 + n * size)
        return at + 4, n

    def string(self, p: int) -> str:
        start, n = self._count(p, 1, "string")
        end = start + n
        if end >= self.size or self.buf[end] != 0:
            raise _error(f"the string at {p} does not end with a 0 byte")
        try:
            return self.buf[start:end].decode("utf-8")
        except UnicodeDecodeError:
            raise _error("invalid UTF-8 in string") from None

    def bytes_(self, p: int) -> bytes:
        start, n = self._count(p, 1, "vector")
        return self.buf[start : start + n]

    def scalars(self, p: int, code: str, size: int) -> list[Any]:
        start, n = self._count(p, size, "vector")
        return list(struct.unpack_from(f"<{n}{code}", self.buf, start))

    def bools(self, p: int) -> list[bool]:
        start, n = self._count(p, 1, "vector")
        raw = self.buf[start : start + n]
        bad = raw.translate(None, b"\x00\x01")
        if bad:
            raise _error(f"expected bool, got a byte of {bad[0]}")
        return [b == 1 for b in raw]

    def vector(self, p: int) -> tuple[int, int]:
        """(first element's position, count) of a vector of offsets."""
        return self._count(p, 4, "vector")


def union_case(r: FbReader, t: int, vt: int, vl: int, tb: int, name: str) -> tuple[int, int]:
    """(case id, case table position) of a union table `{ value_type, value }`."""
    p = r.field(t, vt, vl, tb, 0, 1)
    case = r.buf[p] if p else 0
    q = r.field(t, vt, vl, tb, 1, 4)
    if case == 0 or not q:
        raise _error(f"expected exactly one {name} case")
    return case, r.ref(q)


def unknown_case(name: str, case: int) -> CodecError:
    return _error(f"unknown {name} case id {case}")


def duplicate_key(key: object) -> CodecError:
    return _error(f"duplicate map key {key_text(key)}")


def key_text(key: object) -> str:
    """A map key as messages show it: a number, or the text itself."""
    return str(int(key)) if isinstance(key, int) else str(key)


def key_path(key: object) -> str:
    """A map key in an error's path: `[3]`, `["a"]`."""
    return f"[{int(key)}]" if isinstance(key, int) else f"[{json.dumps(key, ensure_ascii=False)}]"


def missing() -> CodecError:
    return _error("missing required field")
