"""The Python node host for package modules (interop_runtime.host, docs/library.md): it loads
each hosted module from the folder the node config's `packages` names, two packages with their own
`gen` folders side by side in one process, and refuses a package whose code was generated from
another schema than the one it was published with."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from conftest import interopc_gen
from interop_runtime.host import PackageError, start

IMPL = '''
from interop_runtime import CallContext
from interop_runtime.host import ModulePackage, PackageHost
from interop_runtime.node import Node

from .gen.{py} import {cls}Module

STARTED: list[str] = []


class Handlers:
    async def hello(self, ctx: CallContext) -> str:
        return "{name} says hello"


async def run(node: Node) -> None:
    STARTED.append(node.name)


def create(host: PackageHost) -> ModulePackage:
    return ModulePackage(module={cls}Module, handlers=Handlers(), run=run)
'''


def make_package(root: Path, name: str, *, fingerprint: str | None = None, language: str = "python") -> Path:
    """A package folder for module `name` (one function `hello`) with its generated code in gen/."""
    folder = root / name
    folder.mkdir(parents=True)
    schema = folder / "module.interop"
    schema.write_text(f'module {name} version "1.0.0";\nfn hello() -> string;\n')
    interopc_gen(folder / "gen", schema)
    py = name.replace(".", "_")
    cls = name.split(".")[-1].capitalize()
    (folder / "impl.py").write_text(IMPL.format(py=py, cls=cls, name=name))
    meta: dict[str, Any] = {"name": name, "version": "1.0.0", "license": "MIT", "language": language, "platform": "any",
                            "entry": "impl:create", "schemas": ["module.interop"], "files": ["impl.py", "gen"]}
    if fingerprint is not None:
        meta["fingerprint"] = fingerprint
    (folder / "interop-package.json").write_text(json.dumps(meta))
    return folder


def config(tmp_path: Path, packages: dict[str, Path]) -> dict[str, Any]:
    return {"node": "host-test", "modules": list(packages), "packages": {m: str(p) for m, p in packages.items()}}


async def test_two_packages_each_with_its_own_gen_folder_serve_in_one_node(tmp_path: Path) -> None:
    a = make_package(tmp_path, "demo.alpha")
    b = make_package(tmp_path, "demo.beta")
    running = await start(config(tmp_path, {"demo.alpha": a, "demo.beta": b}))
    try:
        answers = []
        for loaded in running.loaded:
            module = loaded.package.module
            answers.append(await running.node.call(module, module.functions["hello"], ()))
        assert answers == ["demo.alpha says hello", "demo.beta says hello"]
        # Each package's own `gen` was imported under its own name.
        assert running.loaded[0].package.module is not running.loaded[1].package.module
        impl = __import__("_interop_pkg_demo_alpha.impl", fromlist=["STARTED"])
        for _ in range(100):
            if impl.STARTED:
                break
            await asyncio.sleep(0.01)
        assert impl.STARTED == ["host-test"]  # run() was started once the node served
    finally:
        await running.close()


async def test_refuses_code_generated_from_another_schema(tmp_path: Path) -> None:
    folder = make_package(tmp_path, "demo.gamma", fingerprint="sha256:" + "0" * 64)
    with pytest.raises(PackageError, match=r"demo\.gamma: the code implements fingerprint sha256:[0-9a-f]{64}, but the "
                                           r"package's schema has sha256:0{64}: it was built from another schema"):
        await start(config(tmp_path, {"demo.gamma": folder}))


async def test_says_what_is_missing_or_wrong(tmp_path: Path) -> None:
    with pytest.raises(PackageError, match=r'node host-test: demo.none has no package in the node config \("packages"\)'):
        await start({"node": "host-test", "modules": ["demo.none"]})
    ts = make_package(tmp_path, "demo.delta", language="ts")
    with pytest.raises(PackageError, match="a ts package; this host loads Python packages"):
        await start(config(tmp_path, {"demo.delta": ts}))
    other = make_package(tmp_path, "demo.epsilon")
    with pytest.raises(PackageError, match="describes demo.epsilon, but the node config hosts demo.zeta from it"):
        await start(config(tmp_path, {"demo.zeta": other}))
