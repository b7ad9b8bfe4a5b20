"""mypy --strict on the runtime, and on the code generated for every schema of the valid corpus
(test/schemas/valid), which must also import cleanly (py_compile alone proves little)."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from conftest import PYTHON_RUNTIME, REPO

VALID = REPO / "test" / "schemas" / "valid"


def mypy(*paths: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, paths)],
                          cwd=cwd, capture_output=True, text=True, timeout=600)


def test_runtime_passes_mypy_strict() -> None:
    result = mypy(PYTHON_RUNTIME / "src" / "interop_runtime", cwd=PYTHON_RUNTIME)
    assert result.returncode == 0, result.stdout + result.stderr


def test_generated_corpus_imports_and_passes_mypy_strict(generate: Any) -> None:
    schemas = sorted(VALID.glob("*.interop"))
    assert schemas, "the valid schema corpus is empty"
    root = None
    packages = []
    for schema in schemas:
        package = f"corpus_{schema.stem}"
        root = generate(package, [schema], include=[VALID / "include"])
        packages.append(package)
    assert root is not None
    sys.path.insert(0, str(root))
    for package in packages:
        pkg = importlib.import_module(package)
        for info in pkgutil.iter_modules(pkg.__path__):
            importlib.import_module(f"{package}.{info.name}")
    result = mypy(*(root / p for p in packages), cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
