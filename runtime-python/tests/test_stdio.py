"""stdio plugins: a Python parent spawns a Python plugin (a real child process configured through
INTEROP_NODE_CONFIG, serving on its stdin/stdout), calls it, sees declared errors as their
types, and fails pending calls promptly with UNAVAILABLE when the plugin is killed."""

from __future__ import annotations

import asyncio
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from interop_runtime import ErrorCode, InteropError
from interop_runtime.node import Node

from conftest import REPO, import_generated

PLUGIN = '''
import asyncio, sys
sys.path.insert(0, {root!r})
from interop_runtime.node import Node
from gen_conf.interop_conformance import ConformanceHandlers, ConformanceModule, NotFound

class Impl(ConformanceHandlers):
    async def add(self, a, b, ctx):
        return a + b
    async def fail(self, kind, ctx):
        raise NotFound(key=kind)
    async def slow(self, ms, ctx):
        await asyncio.sleep(ms / 1000)
        return ms

async def main():
    node = await Node.start(None, implementations={{ConformanceModule.name: Impl()}}, modules=[ConformanceModule])
    print("once serving, print() goes to stderr and cannot corrupt the frames", flush=True)
    await next(iter(node.connections)).wait_closed()

asyncio.run(main())
'''


@pytest.fixture(scope="session")
def conf(generate: Any) -> types.ModuleType:
    root = generate("gen_conf", [REPO / "test" / "conformance" / "conformance.interop"])
    return import_generated(root, "gen_conf", "interop_conformance")


async def test_parent_spawns_python_plugin(conf: types.ModuleType, tmp_path: Path) -> None:
    root = Path(conf.__file__).parents[1]
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN.format(root=str(root)))
    config = json.dumps({"node": "plugin", "modules": ["interop.conformance"], "stdio": True})
    parent = Node("parent")
    conn = await parent.spawn([sys.executable, str(script)], [conf.ConformanceModule],
                              env={"INTEROP_NODE_CONFIG": config})
    client = conf.ConformanceClient(parent)
    assert conn.peer == "plugin"
    assert await asyncio.gather(*(client.add(i, i) for i in range(50))) == [2 * i for i in range(50)]
    with pytest.raises(conf.NotFound) as nf:
        await client.fail("k")
    assert nf.value.key == "k"
    # A crashed plugin fails every pending call quickly.
    pending = asyncio.create_task(client.slow(10_000))
    await asyncio.sleep(0.05)
    parent.plugins[0].process.kill()
    started = asyncio.get_running_loop().time()
    with pytest.raises(InteropError) as info:
        await asyncio.wait_for(pending, 2)
    assert info.value.code == ErrorCode.UNAVAILABLE
    assert asyncio.get_running_loop().time() - started < 1
    await parent.close(200)


async def test_plugin_stops_on_goodbye_and_stdin_close(conf: types.ModuleType, tmp_path: Path) -> None:
    root = Path(conf.__file__).parents[1]
    script = tmp_path / "plugin.py"
    script.write_text(PLUGIN.format(root=str(root)))
    config = json.dumps({"node": "plugin", "modules": ["interop.conformance"], "stdio": True})
    parent = Node("parent")
    await parent.spawn([sys.executable, str(script)], [conf.ConformanceModule], env={"INTEROP_NODE_CONFIG": config})
    assert await conf.ConformanceClient(parent).add(1, 2) == 3
    started = asyncio.get_running_loop().time()
    await parent.close(2000)
    assert parent.plugins[0].process.returncode == 0  # exited by itself: no SIGTERM was needed
    assert asyncio.get_running_loop().time() - started < 2
