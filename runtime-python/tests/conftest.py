"""Shared fixtures: generating Python code from .interop files with the real compiler CLI
(`interopc gen --lang python`) and importing it."""

from __future__ import annotations

import importlib
import os
import shlex
import subprocess
import sys
import types
from pathlib import Path
from typing import Callable

import pytest

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
