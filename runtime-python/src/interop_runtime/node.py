"""The node host: one OS process hosting modules, listening, dialing other nodes, spawning
plugins or serving as one, fanning out events, and answering the control channel. It reads the
same node config as every other runtime (docs/config.md, docs/config.schema.json), from a dict,
a file, or the INTEROP_NODE_CONFIG environment variable (a path, or the JSON text itself).

A Node is also an Invoker and a Publisher: `ChatClient(node)` calls example.chat wherever the
config put it (direct when hosted here), and `ChatEvents(node)` publishes to every subscriber."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from .codec.type_codec import CodecName
from .connection import Connection, Counters, Served
from .direct import DirectInvoker
from .errors import ErrorCode, InteropError
from .handshake import KNOWN_CODECS
from .limits import DEFAULT_LIMITS, Limits
from .module import CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor, Subscription, ir_bundle
from .node_config import CONFIG_ENV, load_config
from .transport.base import ByteTransport
from .transport.sockets import listen, dial, parse_address
from .transport.stdio import PluginProcess, own_stdio, spawn_plugin

log = logging.getLogger("interop.node")
__all__ = ["CONFIG_ENV", "Node", "load_config"]


def _codecs(preferred: CodecName | None) -> list[CodecName]:
    first: CodecName = preferred or "msgpack"
    return [first] + [c for c in KNOWN_CODECS if c != first]


class Node:
    def __init__(self, name: str, *, limits: Limits = DEFAULT_LIMITS, token: str | None = None) -> None:
        self.name = name
        self.limits = limits
        self.token = token
        self.counters = Counters()
        self.direct = DirectInvoker(limits, on_drop=self._count_drops)
        self.served: dict[str, Served] = {}
        self.known: dict[str, ModuleDescriptor] = {}
        self.routes: dict[str, Connection] = {}
        self.connections: set[Connection] = set()
        self.servers: list[asyncio.Server] = []
        self.plugins: list[PluginProcess] = []
        self.started = time.monotonic()
        self._closing = False

    def _count_drops(self, n: int) -> None:
        self.counters.dropped_events += n

    # ---- hosting and routing --------------------------------------------------------------------

    def serve(self, module: ModuleDescriptor, handlers: Any) -> None:
        """Hosts a module here: calls from this process go direct, peers reach it on every link."""
        self.served[module.name] = Served(module, handlers)
        self.known[module.name] = module
        self.direct.serve(module, handlers)

    def _route(self, module: ModuleDescriptor) -> Connection:
        conn = self.routes.get(module.name)
        if conn is None or conn.closed:
            raise InteropError(ErrorCode.UNAVAILABLE, f"module {module.name} is not reachable from node {self.name}")
        return conn

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        if self.direct.hosts(module.name):
            return await self.direct.call(module, fn, args, options)
        return await self._route(module).call(module, fn, args, options)

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None:
        if self.direct.hosts(module.name):
            self.direct.oneway(module, fn, args)
        else:
            self._route(module).oneway(module, fn, args)

    async def subscribe(self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler) -> Subscription:
        if self.direct.hosts(module.name):
            return await self.direct.subscribe(module, event, handler)
        return await self._route(module).subscribe(module, event, handler)

    def publish(self, module: ModuleDescriptor, event: EventDescriptor, payload: Any) -> None:
        """Delivers to local subscribers and to every peer subscribed to the event; never waits
        (a congested peer's events queue per subscription, bounded, drops counted)."""
        self.direct.publish(module, event, payload)
        encoded: dict[CodecName, bytes] = {}  # each codec's bytes, encoded once per publish
        for conn in list(self.connections):
            conn.send_event(module, event, payload, encoded)

    # ---- links ----------------------------------------------------------------------------------

    def _connection_args(self) -> dict[str, Any]:
        return {"node": self.name, "served": self.served, "limits": self.limits,
                "control": self.control, "counters": self.counters}

    def _track(self, conn: Connection, modules: Sequence[ModuleDescriptor]) -> None:
        self.connections.add(conn)
        for m in modules:
            self.routes[m.name] = conn

        async def forget() -> None:
            await conn.wait_closed()
            self.connections.discard(conn)

        asyncio.get_running_loop().create_task(forget())

    async def _accept(self, transport: ByteTransport, control_only: bool) -> None:
        args = self._connection_args()
        if control_only:
            args["served"] = {}
        try:
            conn = await Connection.open(transport, initiator=False, expected_token=self.token, **args)
        except InteropError as e:
            log.info("handshake on %s failed: %s", transport.description, e)
            return
        self._track(conn, [])

    async def listen(self, address: str, *, control_only: bool = False) -> str:
        """Accepts connections on unix:… or tcp://host:port; returns the bound address."""
        async def on_transport(transport: Any) -> None:
            await self._accept(transport, control_only)

        server, bound = await listen(parse_address(address), on_transport)
        self.servers.append(server)
        return str(bound)

    async def connect(self, address: str, modules: Sequence[ModuleDescriptor], *,
                      codec: CodecName | None = None, token: str | None = None) -> Connection:
        transport = await dial(parse_address(address))
        conn = await Connection.open(transport, initiator=True, wants=modules, codecs=_codecs(codec),
                                     token=token, **self._connection_args())
        self._track(conn, modules)
        return conn

    async def spawn(self, command: Sequence[str], modules: Sequence[ModuleDescriptor], *,
                    codec: CodecName | None = None, token: str | None = None, cwd: str | None = None,
                    env: dict[str, str] | None = None) -> Connection:
        """Starts a plugin and speaks frames over its stdin/stdout (we send HELLO)."""
        plugin = await spawn_plugin(command, cwd=cwd, env=env)
        self.plugins.append(plugin)
        try:
            conn = await Connection.open(plugin.transport, initiator=True, wants=modules, codecs=_codecs(codec),
                                         token=token, **self._connection_args())
        except BaseException:
            await plugin.stop(200)
            raise
        self._track(conn, modules)
        return conn

    async def serve_stdio(self, parent_modules: Sequence[ModuleDescriptor] = ()) -> Connection:
        """This process is a plugin: serve on stdin/stdout; `parent_modules` are called on the parent."""
        conn = await Connection.open(await own_stdio(), initiator=False, expected_token=self.token,
                                     wants=parent_modules, **self._connection_args())
        self._track(conn, parent_modules)
        return conn

    # ---- control channel (docs/wire.md §7) ------------------------------------------------------

    def control(self, member: str) -> Any:
        if member == "manifest":
            return {"node": self.name, "protocol": 1, "limits": self.limits.to_json(),
                    "bundle": ir_bundle([s.module for s in self.served.values()])}
        return {"node": self.name, "status": "ok", "uptime_ms": int((time.monotonic() - self.started) * 1000),
                "connections": len(self.connections), "modules": sorted(self.served),
                "counters": self.counters.to_json()}

    # ---- lifecycle ------------------------------------------------------------------------------

    async def close(self, grace_ms: int = 2000) -> None:
        self._closing = True
        for server in self.servers:
            server.close()
        await asyncio.gather(*(c.close("node stopping", grace_ms) for c in list(self.connections)), return_exceptions=True)
        await asyncio.gather(*(p.stop(grace_ms) for p in self.plugins), return_exceptions=True)

    @classmethod
    async def start(cls, config: Mapping[str, Any] | str | Path | None = None, *,
                    implementations: Mapping[str, Any] | None = None,
                    modules: Sequence[ModuleDescriptor] = ()) -> Node:
        """Starts a node from its config (a dict, a path, or INTEROP_NODE_CONFIG when None).
        `modules` lists the descriptors of every module the program knows (generated XModule);
        `implementations` maps hosted module names to their handler objects."""
        cfg = load_config(config)
        by_name = {m.name: m for m in modules}
        impls = dict(implementations or {})

        def descriptor(name: str, where: str) -> ModuleDescriptor:
            if name not in by_name:
                raise ValueError(f"{where}: module {name} has no generated descriptor in this program")
            return by_name[name]

        limits = DEFAULT_LIMITS.with_overrides(dict(cfg.get("limits", {})))
        node = cls(str(cfg["node"]), limits=limits, token=cfg.get("token"))
        for m in by_name.values():
            node.known[m.name] = m
        for name in cfg.get("modules", []):
            if name not in impls:
                raise ValueError(f"modules: {name} is hosted by this node but no implementation was given")
            node.serve(descriptor(name, "modules"), impls[name])
        for address in cfg.get("listen", []):
            await node.listen(address)
        if "control" in cfg:
            await node.listen(cfg["control"], control_only=True)
        for i, link in enumerate(cfg.get("connect", [])):
            wanted = [descriptor(n, f"connect[{i}]") for n in link["modules"]]
            await node.connect(link["address"], wanted, codec=link.get("codec"), token=link.get("token"))
        for i, plugin in enumerate(cfg.get("plugins", [])):
            wanted = [descriptor(n, f"plugins[{i}]") for n in plugin["modules"]]
            await node.spawn(plugin["command"], wanted, codec=plugin.get("codec"), token=plugin.get("token"),
                             cwd=plugin.get("cwd"), env=plugin.get("env"))
        if cfg.get("stdio"):
            reached = set(node.routes) | set(node.served)
            parent = [m for m in by_name.values() if m.name not in reached]
            await node.serve_stdio(parent)
        return node
