"""A plugin serving test.plugins (plugins.interop) in Python, for fds.test.ts (or a server, for
failover.test.ts, when its config says "listen"). PLUGINS_GEN_PY
names the folder holding the generated package gen_plugins; the node config (with "stdio": true)
comes from INTEROP_NODE_CONFIG and the frame descriptors, when the parent chose them, from
INTEROP_PLUGIN_FDS, as for any plugin. It prints on stdout as a program with logs would."""

from __future__ import annotations

import asyncio
import errno
import os
import sys

sys.path.insert(0, os.environ["PLUGINS_GEN_PY"])

from interop_runtime import CallContext  # noqa: E402
from interop_runtime.node import Node  # noqa: E402

from gen_plugins.test_plugins import PluginsEvents, PluginsHandlers, PluginsModule, Tick  # noqa: E402


def _code(e: OSError) -> str:
    return errno.errorcode.get(e.errno or 0, str(e))


class Plugin(PluginsHandlers):
    events: PluginsEvents | None = None

    async def add(self, a: int, b: int, ctx: CallContext) -> int:
        return a + b

    async def chatter(self, lines: int, ctx: CallContext) -> int:
        for i in range(lines):
            print(f"python plugin chatter {i}", flush=True)
        return lines

    async def pid(self, ctx: CallContext) -> int:
        return os.getpid()

    async def slow(self, ms: int, ctx: CallContext) -> int:
        await asyncio.sleep(ms / 1000)
        return ms

    async def emit(self, count: int, ctx: CallContext) -> int:
        assert self.events is not None
        for n in range(1, count + 1):
            self.events.tick(Tick(n=n))
        return count

    async def probe(self, path: str, port: int, ctx: CallContext) -> str:
        write = "ok"
        try:
            with open(path, "w") as f:
                f.write("written by the plugin")
        except OSError as e:
            write = _code(e)
        connect = "ok"
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
        except OSError as e:
            connect = _code(e)
        return f"write={write} connect={connect}"


async def main() -> None:
    plugin = Plugin()
    node = await Node.start(None, implementations={PluginsModule.name: plugin}, modules=[PluginsModule])
    plugin.events = PluginsEvents(node)
    print("python plugin serving", flush=True)
    if node.endpoints:  # a server (failover.test.ts): until killed
        await asyncio.Event().wait()
    await next(iter(node.connections)).wait_closed()
    await node.close(500)


asyncio.run(main())
