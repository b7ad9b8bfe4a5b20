"""The FlatBuffers codec of generated Python (docs/wire.md §3.6, ADR 0041): §3.6's own examples byte
for byte; every payload vector of test/vectors/payloads.json round-trips; flatc (Debian's
flatbuffers-compiler, whose --json runs its verifier) reads every encoding of ours against the
schema `interopc gen --lang fbs` writes, and what flatc writes back from that JSON (its own layout:
back to front, vtables shared) decodes to the same value; hostile layouts fail with typed errors."""

from __future__ import annotations

import importlib
import json
import math
import random
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.codec.type_codec import TypeCodec

from conftest import INTEROPC, REPO, VECTORS

PAYLOADS = json.loads((VECTORS / "payloads.json").read_text())["vectors"]
MAX_DEPTH = 64
#: Ordering's field 536870911 has no FlatBuffers slot (E0703): the one vector it cannot carry.
INEXPRESSIBLE = {"interop.vectors.Ordering"}
FB_VECTORS = [v for v in PAYLOADS if v["type"] not in INEXPRESSIBLE]


def codec_of(module: types.ModuleType, qualified: str) -> TypeCodec[Any]:
    codec: TypeCodec[Any] = module.CODECS[qualified.removeprefix("interop.vectors.")]
    return codec


def fb(module: types.ModuleType, vector: dict[str, Any]) -> bytes:
    codec = codec_of(module, vector["type"])
    return codec.encode(codec.decode(vector["json"].encode(), "json", MAX_DEPTH), "flatbuffers")


def test_wire_md_examples(vectors_module: types.ModuleType) -> None:
    point = codec_of(vectors_module, "Point")
    data = bytes.fromhex("0c000000 0800 0c00 0400 0800 08000000 01000000 feffffff".replace(" ", ""))
    assert point.encode(point.decode(b'{"x":1,"y":-2}', "json", MAX_DEPTH), "flatbuffers") == data
    assert point.encode(point.decode(data, "flatbuffers", MAX_DEPTH), "json") == b'{"x":1,"y":-2}'
    # An empty payload is the root table with no field: every field takes its default.
    defaults = codec_of(vectors_module, "Defaults")
    assert defaults.decode(b"", "flatbuffers", MAX_DEPTH) == defaults.decode(bytes.fromhex("08000000040004000400000000"), "flatbuffers", MAX_DEPTH)
    assert defaults.decode(b"", "flatbuffers", MAX_DEPTH) == defaults.decode(b"{}", "json", MAX_DEPTH)


@pytest.mark.parametrize("vector", FB_VECTORS, ids=[v["name"] for v in FB_VECTORS])
def test_round_trip(vectors_module: types.ModuleType, vector: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, vector["type"])
    data = fb(vectors_module, vector)
    assert codec.encode(codec.decode(data, "flatbuffers", MAX_DEPTH), "json") == vector["json"].encode()
    assert codec.encode(codec.decode(data, "flatbuffers", MAX_DEPTH), "flatbuffers") == data


def test_inexpressible_type_is_a_typed_error(vectors_module: types.ModuleType) -> None:
    codec = codec_of(vectors_module, "Ordering")
    value = codec.decode(b'{"zeta":1}', "json", MAX_DEPTH)
    with pytest.raises(InteropError) as info:
        codec.encode(value, "flatbuffers")
    assert info.value.code == ErrorCode.INVALID_ARGUMENT
    assert "E0703" in info.value.message


@pytest.fixture(scope="module")
def fbs_schema(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    """vectors.fbs from `interopc gen --lang fbs` over a copy of vectors.interop with Ordering's far
    id brought within reach, and the tables it declares. A type that is not a table travels in a
    one-field table, so the copy declares `FbWrapT { 1: value: T; }` for each: the same bytes."""
    out = tmp_path_factory.mktemp("fbs")
    src = (VECTORS / "vectors.interop").read_text().replace("536870911: last", "4: last")
    tables = set(re.findall(r"^(?:struct|error|union) (\w+)", src, re.M))
    short = {v["type"].removeprefix("interop.vectors.") for v in FB_VECTORS}
    src += "".join(f"struct FbWrap{t} {{ 1: value: {t}; }}\n" for t in sorted(short - tables))
    (out / "v.interop").write_text(src)
    gen = subprocess.run([*INTEROPC, "gen", "--lang", "fbs", "--out", str(out / "fbs"), str(out / "v.interop")], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert gen.returncode == 0, gen.stderr
    return out / "fbs" / "interop" / "vectors.fbs", tables


def test_flatc_reads_ours_and_we_read_flatc(vectors_module: types.ModuleType, fbs_schema: tuple[Path, set[str]], tmp_path: Path) -> None:
    """flatc --json (verifier included) over every encoding of ours; flatc -b from that JSON; ours
    decodes flatc's bytes to the value we started from."""
    schema, tables = fbs_schema
    by_root: dict[str, list[dict[str, Any]]] = {}
    for v in FB_VECTORS:
        t = v["type"].removeprefix("interop.vectors.")
        by_root.setdefault(t if t in tables else f"FbWrap{t}", []).append(v)
    checked = 0
    for root, vectors in by_root.items():
        ours = tmp_path / "ours"
        theirs = tmp_path / "theirs"
        ours.mkdir(exist_ok=True)
        theirs.mkdir(exist_ok=True)
        bins = []
        for i, v in enumerate(vectors):
            (ours / f"{root}{i}.bin").write_bytes(fb(vectors_module, v))
            bins.append(str(ours / f"{root}{i}.bin"))
        flatc = ["flatc", "--root-type", f"interop.vectors.{root}", "-o"]
        to_json = subprocess.run([*flatc, str(ours), "--json", "--raw-binary", "--strict-json", str(schema), "--", *bins], capture_output=True, text=True, timeout=60)
        assert to_json.returncode == 0, f"{root}: {to_json.stderr}"
        jsons = [str(ours / f"{root}{i}.json") for i in range(len(vectors))]
        to_bin = subprocess.run([*flatc, str(theirs), "-b", str(schema), *jsons], capture_output=True, text=True, timeout=60)
        assert to_bin.returncode == 0, f"{root}: {to_bin.stderr}"
        for i, v in enumerate(vectors):
            codec = codec_of(vectors_module, v["type"])
            data = (theirs / f"{root}{i}.bin").read_bytes()
            got = codec.encode(codec.decode(data, "flatbuffers", MAX_DEPTH), "json").decode()
            # flatc's JSON text keeps about 6 digits of a float (1.23e-18 comes back as 0) and -0.0
            # equals the default 0.0, which flatc leaves out: floats compare to flatc's precision.
            assert close(json.loads(got), json.loads(v["json"])), (v["name"], got)
            checked += 1
    assert checked == len(FB_VECTORS)


@pytest.fixture(scope="module")
def flatc_python(fbs_schema: tuple[Path, set[str]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The readers and builders `flatc --python` writes, over the PyPI `flatbuffers` package."""
    out = tmp_path_factory.mktemp("flatc_py")
    made = subprocess.run(["flatc", "--python", "-o", str(out), str(fbs_schema[0])], capture_output=True, text=True, timeout=60)
    assert made.returncode == 0, made.stderr
    sys.path.insert(0, str(out))  # while this file's tests run: generated methods import lazily
    try:
        yield types.SimpleNamespace(
            AllScalars=importlib.import_module("interop.vectors.AllScalars"), Tree=importlib.import_module("interop.vectors.Tree"),
        )
    finally:
        # flatc's `interop` is a regular package: leave the name free for test_protobuf_google's.
        sys.path.remove(str(out))
        for name in [n for n in sys.modules if n == "interop" or n.startswith("interop.")]:
            del sys.modules[name]


def test_pypi_flatbuffers_reads_ours(vectors_module: types.ModuleType, flatc_python: Any) -> None:
    """flatc-generated Python over the PyPI package reads every AllScalars and Tree vector of ours."""
    AllScalars, Tree = flatc_python.AllScalars, flatc_python.Tree
    names = ["flag", "i8v", "i16v", "i32v", "i64v", "u8v", "u16v", "u32v", "u64v", "f32v", "f64v", "color"]
    seen = 0
    for v in FB_VECTORS:
        if v["type"] == "interop.vectors.AllScalars":
            ours = codec_of(vectors_module, v["type"]).decode(v["json"].encode(), "json", MAX_DEPTH)
            theirs = AllScalars.AllScalars.GetRootAs(fb(vectors_module, v), 0)
            for name in names:
                a, b = getattr(ours, name), getattr(theirs, name[0].upper() + name[1:])()
                assert a == b or (a != a and b != b), (v["name"], name, a, b)
            assert theirs.Text().decode() == ours.text
            assert bytes(theirs.Data(j) for j in range(theirs.DataLength())) == ours.data
            seen += 1
        if v["type"] == "interop.vectors.Tree":
            ours = codec_of(vectors_module, v["type"]).decode(v["json"].encode(), "json", MAX_DEPTH)

            def same(t: Any, o: Any) -> None:
                assert t.Label().decode() == o.label and t.ChildrenLength() == len(o.children)
                for j, child in enumerate(o.children):
                    same(t.Children(j), child)

            same(Tree.Tree.GetRootAs(fb(vectors_module, v), 0), ours)
            seen += 1
    assert seen >= 2


def test_we_read_pypi_flatbuffers(vectors_module: types.ModuleType, flatc_python: Any) -> None:
    """A Tree built back to front by the PyPI package's Builder (vtables shared) decodes with ours."""
    import flatbuffers  # type: ignore[import-untyped]

    Tree = flatc_python.Tree
    b = flatbuffers.Builder(0)
    leaves = []
    for label in ("a", "b"):
        s = b.CreateString(label)
        Tree.TreeStartChildrenVector(b, 0)
        empty = b.EndVector()
        Tree.TreeStart(b)
        Tree.TreeAddLabel(b, s)
        Tree.TreeAddChildren(b, empty)
        leaves.append(Tree.TreeEnd(b))
    root_label = b.CreateString("root")
    Tree.TreeStartChildrenVector(b, 2)
    for leaf in reversed(leaves):
        b.PrependUOffsetTRelative(leaf)
    children = b.EndVector()
    Tree.TreeStart(b)
    Tree.TreeAddLabel(b, root_label)
    Tree.TreeAddChildren(b, children)
    b.Finish(Tree.TreeEnd(b))
    tree = codec_of(vectors_module, "Tree")
    got = tree.decode(bytes(b.Output()), "flatbuffers", MAX_DEPTH)
    assert tree.encode(got, "json") == b'{"label":"root","children":[{"label":"a","children":[]},{"label":"b","children":[]}]}'


def close(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    return bool(a == b)


def u32(n: int) -> str:
    return n.to_bytes(4, "little").hex()


# (name, type, payload hex, code, message) for hostile layouts: each breaks one rule of §3.6.
REJECT = [
    ("short payload", "Point", "0c0000", "INVALID_ARGUMENT", "Point: a payload of 3 bytes is too short for a root offset"),
    ("root outside", "Point", u32(40) + "0000", "INVALID_ARGUMENT", "Point: offset at 0 points to 40, outside the payload of 6 bytes"),
    ("vtable outside", "Point", "08000000" + "00000000" + "40000000", "INVALID_ARGUMENT", "Point: vtable of the table at 8 is outside the payload of 12 bytes"),
    ("odd vtable", "Point", "08000000" + "05000400" + "04000000", "INVALID_ARGUMENT", "Point: vtable of the table at 8 has an invalid size of 5 bytes"),
    ("field past table", "Point", "0c000000" + "08000800" + "04000800" + "08000000" + "01000000", "INVALID_ARGUMENT", "Point.y: field 1 at offset 8 is past the table's 8 bytes"),
    ("field past payload", "Point", "0c000000" + "08000c00" + "04000800" + "08000000" + "01000000", "INVALID_ARGUMENT", "Point.y: field 1 of the table at 12 ends past the payload of 20 bytes"),
    ("bool 2", "Bool", "0c000000" + "06000500" + "0400" + "0000" + "08000000" + "02000000", "INVALID_ARGUMENT", "Bool: expected bool, got the byte 2"),
    ("string without 0", "Str", "0c000000" + "06000800" + "0400" + "0000" + "08000000" + "04000000" + "01000000" + "61620000", "INVALID_ARGUMENT", "Str: string without its 0 byte"),
    ("string not utf-8", "Str", "0c000000" + "06000800" + "0400" + "0000" + "08000000" + "04000000" + "01000000" + "ff000000", "INVALID_ARGUMENT", "Str: invalid UTF-8 in string"),
    ("2 GiB string", "Str", "0c000000" + "06000800" + "0400" + "0000" + "08000000" + "04000000" + "00000080", "RESOURCE_EXHAUSTED", "Str: string of 2147483648 claims more than the 0 bytes left"),
    ("union without case", "Value", "08000000" + "04000400" + "04000000", "INVALID_ARGUMENT", "Value: expected one case of Value, got none"),
]


@pytest.mark.parametrize("case", REJECT, ids=[c[0] for c in REJECT])
def test_reject(vectors_module: types.ModuleType, case: tuple[str, str, str, str, str]) -> None:
    _name, type_name, payload, code, message = case
    with pytest.raises(InteropError) as info:
        codec_of(vectors_module, type_name).decode(bytes.fromhex(payload), "flatbuffers", MAX_DEPTH)
    assert (info.value.code, info.value.message) == (ErrorCode[code], message)


def test_unknown_union_case_and_duplicate_key(vectors_module: types.ModuleType) -> None:
    value = codec_of(vectors_module, "Value")
    data = bytearray(fb(vectors_module, next(v for v in PAYLOADS if v["type"] == "interop.vectors.Value")))
    t = int.from_bytes(data[0:4], "little")
    vt = t - int.from_bytes(data[t : t + 4], "little", signed=True)
    at = t + int.from_bytes(data[vt + 4 : vt + 6], "little")
    data[at] = 77
    with pytest.raises(InteropError) as info:
        value.decode(bytes(data), "flatbuffers", MAX_DEPTH)
    assert (info.value.code, info.value.message) == (ErrorCode.INVALID_ARGUMENT, "Value: unknown case 77 of Value")
    # map<i32, string> {1: "a", 2: "b"} with the second key rewritten to 1.
    m = codec_of(vectors_module, "MapI32")
    good = bytearray(m.encode({1: "a", 2: "b"}, "flatbuffers"))
    second = good.rindex((2).to_bytes(4, "little"))
    good[second] = 1
    with pytest.raises(InteropError) as info:
        m.decode(bytes(good), "flatbuffers", MAX_DEPTH)
    assert (info.value.code, info.value.message) == (ErrorCode.INVALID_ARGUMENT, "MapI32[1]: duplicate map key")


def test_depth_and_shared_offsets(vectors_module: types.ModuleType) -> None:
    tree = codec_of(vectors_module, "Tree")
    value: Any = vectors_module.Tree(label="x", children=[])
    for _ in range(70):
        value = vectors_module.Tree(label="x", children=[value])
    with pytest.raises(InteropError) as info:
        tree.decode(tree.encode(value, "flatbuffers"), "flatbuffers", MAX_DEPTH)
    assert info.value.code == ErrorCode.RESOURCE_EXHAUSTED
    assert "nested deeper than 64" in info.value.message
    # Points: its wrapper table, then a vector of 1000 offsets all to one Point. Legal offsets, but
    # decoding would read the one table 1000 times: more bytes than the payload holds.
    n = 1000
    data = bytearray.fromhex(u32(12) + "060008000400" + "0000" + u32(8) + u32(4))
    vec = len(data)
    table = vec + 4 + 4 * n + 8
    data += n.to_bytes(4, "little")
    for i in range(n):
        data += (table - (vec + 4 + 4 * i)).to_bytes(4, "little")
    data += bytes.fromhex("0800" + "0c00" + "0400" + "0800")  # the Point's vtable, right before it
    data += bytes.fromhex("08000000" + "01000000" + "02000000")
    with pytest.raises(InteropError) as info:
        codec_of(vectors_module, "Points").decode(bytes(data), "flatbuffers", MAX_DEPTH)
    assert info.value.code == ErrorCode.RESOURCE_EXHAUSTED
    assert "more bytes than the payload's" in info.value.message


def test_fuzz(vectors_module: types.ModuleType) -> None:
    """Every encoding with bytes flipped, cut or inserted (seeded, so a failure repeats), and random
    bytes: a decode either succeeds, and then re-encodes and decodes the same, or fails with a
    typed error. Never another exception."""
    rng = random.Random(41)
    tried = 0
    for vector in FB_VECTORS:
        codec = codec_of(vectors_module, vector["type"])
        good = fb(vectors_module, vector)
        for _ in range(20):
            data = bytearray(good)
            kind = rng.choice(("flip", "cut", "insert", "noise"))
            at = rng.randrange(len(data) + 1)
            if kind == "flip" and data:
                data[min(at, len(data) - 1)] = rng.randrange(256)
            elif kind == "cut":
                del data[at:]
            elif kind == "insert":
                data.insert(at, rng.randrange(256))
            else:
                data = bytearray(rng.randbytes(rng.randrange(48)))
            try:
                value = codec.decode(bytes(data), "flatbuffers", MAX_DEPTH)
            except InteropError as e:
                assert e.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.RESOURCE_EXHAUSTED), e
                continue
            again = codec.encode(value, "flatbuffers")
            assert codec.encode(codec.decode(again, "flatbuffers", MAX_DEPTH), "flatbuffers") == again
            tried += 1
    assert tried > 0
