"""Shared fixtures: generating Python code from .interop files with the real compiler CLI
(`interopc gen --lang python`) and importing it."""

from __future__ import annotations

import importlib
import os
import random
import shlex
import subprocess
import sys
import types
from pathlib import Path
from typing import Any, Callable

import pytest

from interop_runtime import ErrorCode, InteropError

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "test" / "vectors"
PYTHON_RUNTIME = REPO / "runtime-python"

#: The compiler command; INTEROPC overrides it (e.g. a wrapper while developing the compiler).
INTEROPC = shlex.split(os.environ.get("INTEROPC", f"node {REPO / 'compiler' / 'bin' / 'interopc.mjs'}"))


def interopc_gen(out: Path, *schemas: Path, include: list[Path] | None = None) -> None:
    includes = [arg for d in include or [] for arg in ("-I", str(d))]
    result = subprocess.run(
        [*INTEROPC, "gen", "--lang", "python", "--out", str(out), *includes, *map(str, schemas)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"interopc gen failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")


def import_generated(root: Path, package: str, module: str) -> types.ModuleType:
    """Imports `package.module` from the directory `root` (the generated package's parent)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"{package}.{module}")


GenerateFn = Callable[..., Path]


@pytest.fixture(scope="session")
def generate(tmp_path_factory: pytest.TempPathFactory) -> GenerateFn:
    """generate(package, schemas, include=[dirs]) → the directory holding the package `package`."""
    root = tmp_path_factory.mktemp("gen")

    def run(package: str, schemas: list[Path], include: list[Path] | None = None) -> Path:
        interopc_gen(root / package, *schemas, include=include)
        return root

    return run


@pytest.fixture(scope="session")
def vectors_module(generate: GenerateFn) -> types.ModuleType:
    root = generate("gen_vectors", [VECTORS / "vectors.interop"])
    return import_generated(root, "gen_vectors", "interop_vectors")


def decode_mutations(codec: Any, good: bytes, codec_name: str, rng: random.Random, max_depth: int, tries: int = 20) -> int:
    """Decodes `tries` mutations of `good` (a byte flipped, the rest cut, a byte inserted, or random
    bytes): each either decodes to a value that re-encodes and decodes the same, or fails with
    INVALID_ARGUMENT or RESOURCE_EXHAUSTED, never another exception. Returns how many decoded."""
    decoded = 0
    for _ in range(tries):
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
            value = codec.decode(bytes(data), codec_name, max_depth)
        except InteropError as e:
            assert e.code in (ErrorCode.INVALID_ARGUMENT, ErrorCode.RESOURCE_EXHAUSTED), e
            continue
        again = codec.encode(value, codec_name)
        assert codec.encode(codec.decode(again, codec_name, max_depth), codec_name) == again
        decoded += 1
    return decoded
