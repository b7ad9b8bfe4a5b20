"""The Python node host for package modules: `python -m interop_runtime.host [node.json]`.

It reads its node config (the argument, or INTEROP_NODE_CONFIG), loads each hosted module from the
package folder the config's `packages` names (docs/library.md), checks that the code implements
the schema the package was published with (same fingerprint), starts the node, runs each module's
`run` coroutine, and serves until SIGTERM/SIGINT or, as a stdio plugin, until its parent goes away.
`interop run` writes that config; this host never downloads anything.

A package's entry is "module:function", the module relative to the package folder. Each package
is imported as a package of its own (a unique name whose path is the folder), so two packages may
both have a `gen` folder, and their files import each other relatively (`from .gen.x import Y`).
The entry function gets a PackageHost and returns a ModulePackage."""

from __future__ import annotations

import asyncio
import importlib
import importlib.metadata
import json
import re
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Mapping

from .module import ModuleDescriptor
from .node import Node
from .node_config import ConfigError, load_config

META_FILE = "interop-package.json"


class PackageError(Exception):
    """A package that cannot be hosted: the message says which and why."""


@dataclass
class ModulePackage:
    """What a package's entry function returns."""

    module: ModuleDescriptor
    handlers: Any
    #: Descriptors of the modules it calls (generated XModule), announced in handshakes.
    uses: Sequence[ModuleDescriptor] = ()
    #: Started once the node serves; cancelled when it closes.
    run: Callable[[Node], Coroutine[Any, Any, None]] | None = None


@dataclass
class PackageHost:
    """What a package's entry function gets."""

    config: Mapping[str, Any]
    _node: Node | None = field(default=None, repr=False)

    @property
    def node(self) -> Node:
        """The node hosting the module; reading it before the node has started raises."""
        if self._node is None:
            raise PackageError("the node has not started yet: use host.node from handlers or run(), not in the entry function")
        return self._node

    def log(self, line: str) -> None:
        print(line, flush=True)


@dataclass
class Loaded:
    meta: dict[str, Any]
    folder: Path
    package: ModulePackage


def _import_entry(module_name: str, folder: Path, entry: str) -> Callable[[PackageHost], ModulePackage]:
    """Imports the entry's module as a submodule of a fresh package whose path is `folder`."""
    module_path, function = entry.split(":", 1)
    package_name = "_interop_pkg_" + re.sub(r"\W", "_", module_name)
    package = ModuleType(package_name)
    package.__path__ = [str(folder)]
    package.__package__ = package_name
    sys.modules[package_name] = package
    try:
        imported = importlib.import_module(f"{package_name}.{module_path}")
    except ImportError as e:
        raise PackageError(f"{module_name}: cannot import {module_path} from {folder}: {e}") from None
    create = getattr(imported, function, None)
    if not callable(create):
        raise PackageError(f"{module_name}: {module_path}.py has no function {function} (the package's entry)")
    return create  # type: ignore[no-any-return]


def load_package(module_name: str, folder: Path, host: PackageHost) -> Loaded:
    meta_file = folder / META_FILE
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError) as e:
        raise PackageError(f"{module_name}: cannot read {meta_file} ({e})") from None
    if meta.get("name") != module_name:
        raise PackageError(f"{meta_file}: describes {meta.get('name')}, but the node config hosts {module_name} from it")
    if meta.get("language") != "python":
        raise PackageError(f"{meta_file}: a {meta.get('language')} package; this host loads Python packages")
    package = _import_entry(module_name, folder, str(meta["entry"]))(host)
    if not isinstance(package, ModulePackage) or package.module.name != module_name:
        raise PackageError(f"{module_name}: the entry {meta['entry']} must return a ModulePackage for {module_name}")
    fingerprint = meta.get("fingerprint")
    if fingerprint is not None and package.module.fingerprint != fingerprint:
        raise PackageError(f"{module_name}: the code implements fingerprint {package.module.fingerprint}, but the package's "
                           f"schema has {fingerprint}: it was built from another schema; rebuild and pack it again")
    return Loaded(meta, folder, package)


@dataclass
class RunningHost:
    node: Node
    loaded: list[Loaded]
    runs: list[asyncio.Task[None]]

    async def close(self) -> None:
        """Cancels every module's `run` and closes the node (GOODBYE, plugins stopped)."""
        for task in self.runs:
            task.cancel()
        await self.node.close(500)


async def start(config: Mapping[str, Any] | str | Path | None = None) -> RunningHost:
    """Loads every hosted module from its package, starts the node, starts each module's `run`."""
    cfg = load_config(config)
    packages: Mapping[str, str] = cfg.get("packages", {})
    modules: list[str] = list(cfg.get("modules", []))
    missing = [m for m in modules if m not in packages]
    if missing:
        raise PackageError(f"node {cfg['node']}: {', '.join(missing)} has no package in the node config (\"packages\"); "
                           "this host hosts package modules only (see docs/library.md)")
    host = PackageHost(cfg)
    loaded = [load_package(m, Path(packages[m]), host) for m in modules]
    known = {d.name: d for l in loaded for d in (l.package.module, *l.package.uses)}
    node = await Node.start(cfg, implementations={l.package.module.name: l.package.handlers for l in loaded},
                            modules=list(known.values()))
    host._node = node
    runs = [asyncio.create_task(l.package.run(node)) for l in loaded if l.package.run is not None]
    return RunningHost(node, loaded, runs)


async def serve(config: Mapping[str, Any] | str | Path | None = None) -> None:
    """start(), then serve until SIGTERM/SIGINT or, as a stdio plugin, until the parent goes away."""
    running = await start(config)
    names = ", ".join(f"{l.meta['name']} {l.meta['version']}" for l in running.loaded)
    print(f"interop host: node {running.node.name} serves {names or 'no module'} from packages", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    waiters: list[asyncio.Task[Any]] = [asyncio.create_task(stop.wait())]
    parent = running.node.links.get("stdio:parent")
    if parent is not None:  # a stdio plugin: also stop when the parent goes away

        async def parent_gone() -> None:
            await (await parent.connection()).wait_closed()

        waiters.append(asyncio.create_task(parent_gone()))
    await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    for task in waiters:
        task.cancel()
    await running.close()


def main(argv: Sequence[str]) -> int:
    if list(argv) == ["--version"]:  # the release's one version (CHANGELOG.md), as every other entry point
        print(importlib.metadata.version("interop_runtime"))
        return 0
    try:
        asyncio.run(serve(argv[0] if argv else None))
    except (PackageError, ConfigError) as e:
        print(f"interop host: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    # Run through the module's real name, so ModulePackage here is the class packages import.
    from interop_runtime.host import main as run_host

    sys.exit(run_host(sys.argv[1:]))
