"""The FlatBuffers codec of generated Python (docs/wire.md §3.6, ADR 0041): §3.6's own examples and
every golden vector of test/vectors/flatbuffers.json byte for byte, its reject vectors with their
code and exact message; flatc (Debian's
flatbuffers-compiler, whose --json runs its verifier) reads every encoding of ours against the
schema `interopc gen --lang fbs` writes, and what flatc writes back from that JSON (its own layout:
back to front, vtables shared) decodes to the same value; so do the PyPI package's readers and
builders; mutated bytes fail only with typed errors."""

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

from conftest import INTEROPC, REPO, VECTORS, decode_mutations

PAYLOADS = json.loads((VECTORS / "payloads.json").read_text())["vectors"]
GOLDEN = json.loads((VECTORS / "flatbuffers.json").read_text())
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


def test_golden_covers_every_expressible_payload_vector() -> None:
    assert [v["name"] for v in GOLDEN["vectors"]] == [v["name"] for v in FB_VECTORS]


@pytest.mark.parametrize("vector", GOLDEN["vectors"], ids=[v["name"] for v in GOLDEN["vectors"]])
def test_golden_vector(vectors_module: types.ModuleType, vector: dict[str, Any]) -> None:
    codec = codec_of(vectors_module, vector["type"])
    json_bytes = next(v for v in FB_VECTORS if v["name"] == vector["name"])["json"].encode()
    assert codec.encode(codec.decode(json_bytes, "json", MAX_DEPTH), "flatbuffers").hex() == vector["flatbuffers"]
    back = codec.decode(bytes.fromhex(vector["flatbuffers"]), "flatbuffers", MAX_DEPTH)
    assert codec.encode(back, "json") == json_bytes


@pytest.mark.parametrize("case", GOLDEN["reject"], ids=[c["name"] for c in GOLDEN["reject"]])
def test_golden_reject(vectors_module: types.ModuleType, case: dict[str, Any]) -> None:
    with pytest.raises(InteropError) as info:
        codec_of(vectors_module, case["type"]).decode(bytes.fromhex(case["input"]), "flatbuffers", MAX_DEPTH)
    assert (info.value.code, info.value.message) == (ErrorCode[case["code"]], case["message"])


def test_inexpressible_type_is_a_typed_error(vectors_module: types.ModuleType) -> None:
    codec = codec_of(vectors_module, "Ordering")
    value = codec.decode(b'{"zeta":1}', "json", MAX_DEPTH)
    with pytest.raises(InteropError) as info:
        codec.encode(value, "flatbuffers")
    assert (info.value.code, info.value.message) == (ErrorCode.INVALID_ARGUMENT, "Ordering: field id 536870911 is past 1024: cannot be sent as flatbuffers")


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


def test_fuzz(vectors_module: types.ModuleType) -> None:
    """Every encoding with bytes flipped, cut or inserted (seeded, so a failure repeats), and random
    bytes: a decode either succeeds, and then re-encodes and decodes the same, or fails with a
    typed error. Never another exception."""
    rng = random.Random(41)
    tried = 0
    for vector in FB_VECTORS:
        codec = codec_of(vectors_module, vector["type"])
        good = fb(vectors_module, vector)
        tried += decode_mutations(codec, good, "flatbuffers", rng, MAX_DEPTH)
    assert tried > 0
