"""The node host: one OS process hosting modules, listening, dialing other nodes, spawning
plugins or serving as one, fanning out events, and answering the control channel. It reads the
same node config as every other runtime (docs/config.md, docs/config.schema.json), from a dict,
a file, or the INTEROP_NODE_CONFIG environment variable (a path, or the JSON text itself).

A Node is also an Invoker and a Publisher: `ChatClient(node)` calls example.chat wherever the
config put it (direct when hosted here), and `ChatEvents(node)` publishes to every subscriber."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Mapping, Sequence

from .codec.type_codec import CodecName
from .connection import Connection, Counters, Served
from .direct import DirectInvoker
from .errors import ErrorCode, InteropError
from .handshake import KNOWN_CODECS
from .limits import DEFAULT_LIMITS, Limits
from .conn_streams import OutgoingStream
from .endpoints import LinkPolicy, MultiLink
from .links import Link, RenewedSubscription, Route, is_open
from .streams import ItemSource, StreamCall
from .module import CallOptions, EventDescriptor, EventHandler, FunctionDescriptor, ModuleDescriptor, Subscription, ir_bundle
from .node_config import CONFIG_ENV, ConfigError, load_config, unknown_member_codecs
from .admission import ListenerSlots, refuse_connection
from .transport.base import ByteTransport, EndingTransport
from .transport.sockets import Address, Listener, dial, listen, parse_address, remove_socket_file
from .transport.stdio import PluginChannel, PluginProcess, parent_transport, spawn_plugin
from .transport.shm import dial_shm, is_shm_address, listen_shm
from .transport.web import WebListener, dial_web, is_web_address, listen_web, parse_web_address

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
        self.direct = DirectInvoker(limits, on_drop=self._count_drops, counters=self.counters)
        self.served: dict[str, Served] = {}
        self.known: dict[str, ModuleDescriptor] = {}
        #: Links to the peers this node calls, by address (or plugin command), and for each module
        #: reached through one, the link and the module's descriptor (announced in HELLO).
        self.links: dict[str, Route] = {}
        self.link_of: dict[str, tuple[Route, ModuleDescriptor]] = {}
        self.connections: set[Connection] = set()
        self.servers: list[Listener | WebListener] = []
        #: Addresses this node listens on, so close() can remove their unix socket files.
        self._listening: list[Address] = []
        #: Bound data endpoints, as the TS node's `endpoints` (with the real port where the config
        #: said `tcp://…:0`), and the bound control endpoint.
        self.endpoints: list[str] = []
        self.control_endpoint: str | None = None
        #: The config's `web` and `tls` sections, for web listeners (docs/config.md).
        self.web: dict[str, Any] = {}
        self.tls: dict[str, str] | None = None
        #: The config's shm.spin_us: how long an shm: reader polls after traffic (None: the default).
        self.shm_spin_us: int | None = None
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

    def _route(self, module: ModuleDescriptor) -> Route:
        route = self.link_of.get(module.name)
        if route is None:
            raise InteropError(ErrorCode.UNAVAILABLE, f"module {module.name} is not reachable from node {self.name}")
        return route[0]

    async def call(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
                   options: CallOptions | None = None) -> Any:
        if self.direct.hosts(module.name):
            return await self.direct.call(module, fn, args, options)
        return await self._route(module).call(module, fn, args, options)

    def stream(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
               source: ItemSource[Any] | None = None, options: CallOptions | None = None) -> StreamCall[Any, Any]:
        """A stream function: in process when hosted here, else over its link (dialed when the
        stream is first read)."""
        if self.direct.hosts(module.name):
            return self.direct.stream(module, fn, args, source, options)

        def begin(call: StreamCall[Any, Any]) -> None:
            try:
                link = self._route(module)
            except InteropError as e:
                call.finish(e, local=True)
                return

            def start(connecting: asyncio.Future[Connection]) -> None:
                try:
                    conn = connecting.result()
                except InteropError as e:
                    call.finish(e, local=True)
                except asyncio.CancelledError:
                    call.finish(InteropError(ErrorCode.UNAVAILABLE, f"{link.description}: node is closing"), local=True)
                else:
                    OutgoingStream(conn, call, module, fn, args, source, options).start()

            link.connecting().add_done_callback(start)

        return StreamCall(f"{module.name}.{fn.name}", fn.output is not None, begin)

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None:
        if self.direct.hosts(module.name):
            self.direct.oneway(module, fn, args)
            return
        link = self._route(module)
        conn = link.current
        if conn is not None and is_open(conn):
            conn.oneway(module, fn, args)
            return

        # The link is (re)dialing: send once it is up; a one-way that cannot be sent is counted.
        # Arguments are checked now, so that a bad one is refused to the caller as when connected.
        fn.params.validate(args)
        def send(connecting: asyncio.Future[Connection]) -> None:
            try:
                connecting.result().oneway(module, fn, args)
            except (InteropError, asyncio.CancelledError) as e:
                self.counters.dropped_oneways += 1
                log.debug("one-way %s.%s dropped: %s", module.name, fn.name, e)

        link.connecting().add_done_callback(send)

    async def subscribe(self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler) -> Subscription:
        """Over a link, the subscription is renewed on the next connection after a drop."""
        if self.direct.hosts(module.name):
            return await self.direct.subscribe(module, event, handler)
        return await RenewedSubscription.open(self._route(module), module, event, handler)

    def publish(self, module: ModuleDescriptor, event: EventDescriptor, payload: Any) -> None:
        """Delivers to local subscribers and to every peer subscribed to the event; never waits
        (a congested peer's events queue per subscription, bounded, drops counted). A payload its
        type cannot hold is refused first (docs/wire.md §3.4), whoever subscribed: counted in
        unencodable_events and raised as INVALID_ARGUMENT."""
        if event.payload is not None:
            try:
                event.payload.validate(payload)
            except InteropError:
                self.counters.unencodable_events += 1
                raise
        self.direct.publish(module, event, payload)
        encoded: dict[CodecName, bytes] = {}  # each codec's bytes, encoded once per publish
        for conn in list(self.connections):
            conn.send_event(module, event, payload, encoded)

    # ---- links ----------------------------------------------------------------------------------

    def _connection_args(self) -> dict[str, Any]:
        return {"node": self.name, "served": self.served, "limits": self.limits,
                "control": self.control, "counters": self.counters}

    def _track(self, conn: Connection) -> Connection:
        self.connections.add(conn)

        async def forget() -> None:
            await conn.wait_closed()
            self.connections.discard(conn)

        asyncio.get_running_loop().create_task(forget())
        return conn

    async def _accept(self, transport: ByteTransport, control_only: bool) -> Connection | None:
        args = self._connection_args()
        if control_only:
            args["served"] = {}
        try:
            conn = await Connection.open(transport, initiator=False, expected_token=self.token,
                                         close_when_idle=True, control_only=control_only, **args)
        except InteropError as e:
            self.counters.rejected_handshakes += 1
            log.info("handshake on %s failed: %s", transport.description, e)
            return None
        return self._track(conn)

    async def listen(self, address: str, *, control_only: bool = False) -> str:
        """Accepts connections on unix:…, shm:… (docs/wire.md §9) or tcp://host:port, at most max_connections at once
        (docs/wire.md §5.1); returns the bound address."""
        slots = ListenerSlots(self.limits.max_connections)

        async def on_transport(transport: EndingTransport) -> None:
            if not slots.take():
                self.counters.rejected_connections += 1
                log.debug("refused a connection on %s: %s", slots.address, slots.refusal)
                await refuse_connection(transport, slots.refusal)
                return
            try:
                conn = await self._accept(transport, control_only)
                if conn is not None:
                    await conn.wait_closed()
            finally:
                slots.release()

        if is_web_address(address):
            web, bound_web = await listen_web(parse_web_address(address), on_transport, self.limits, web=self.web,
                                              tls=self.tls, count=self._count)
            self.servers.append(web)
            slots.address = bound_web
        elif is_shm_address(address):
            shm, bound = listen_shm(address, on_transport, self._count, self.limits.handshake_timeout_ms / 1000,
                                   self.shm_spin_us)
            self.servers.append(shm)
            self._listening.append(bound)  # its set-up socket's file
            slots.address = address
        else:
            server, bound = await listen(parse_address(address), on_transport)
            self.servers.append(server)
            self._listening.append(bound)
            slots.address = str(bound)
        if control_only:
            self.control_endpoint = slots.address
        else:
            self.endpoints.append(slots.address)
        return slots.address

    def _count(self, counter: str) -> None:
        """Counts what a transport refused itself (docs/wire.md §7)."""
        setattr(self.counters, counter, getattr(self.counters, counter) + 1)

    def _link(self, key: str, modules: Sequence[ModuleDescriptor], make: Callable[[], Route]) -> Route:
        """The link called `key` (made by `make` the first time), now also reaching `modules`."""
        link = self.links.get(key)
        if link is None:
            link = self.links[key] = make()
        for m in modules:
            self.link_of[m.name] = (link, m)
        return link

    def _wants(self, link: Route) -> list[ModuleDescriptor]:
        """The modules this node calls over `link`, announced in each HELLO on it."""
        return [m for (via, m) in self.link_of.values() if via is link]

    def add_connect(self, address: str, modules: Sequence[ModuleDescriptor], *,
                    codec: CodecName | None = None, token: str | None = None, ca: str | None = None,
                    member_codecs: Mapping[str, CodecName] | None = None) -> Route:
        """A `connect` entry (docs/config.md): `modules` are reached at `address`, dialed on first
        use and redialed by the next call after the connection drops. The first entry for an
        address decides its codec and token. `member_codecs` ("module.member" -> codec) overrides
        `codec` for those functions and events (docs/config.md "Codec per function or event")."""
        open = self._dialer(lambda: link, codec, token, ca, member_codecs)
        link = self._link(address, modules, lambda: Link(address, functools.partial(open, address)))
        return link

    def add_endpoints(self, addresses: Sequence[str], modules: Sequence[ModuleDescriptor], *,
                      policy: LinkPolicy = "failover", idempotent: Sequence[str] = (),
                      codec: CodecName | None = None, token: str | None = None,
                      ca: str | None = None, member_codecs: Mapping[str, CodecName] | None = None) -> Route:
        """A `connect` entry with several `endpoints` (docs/config.md "Several endpoints"):
        `modules` are reached at whichever the policy picks; `idempotent` functions ("module.fn")
        may be sent again on another endpoint after a lost connection."""
        open = self._dialer(lambda: link, codec, token, ca, member_codecs)
        key = f"{policy}:{','.join(addresses)}"
        link = self._link(key, modules, lambda: MultiLink(key, addresses, policy, open, set(idempotent),
                                                          self.limits.default_deadline_ms))
        return link

    def _dialer(self, link: Callable[[], Route], codec: CodecName | None, token: str | None, ca: str | None,
                member_codecs: Mapping[str, CodecName] | None) -> Callable[[str], Awaitable[Connection]]:
        """Dials an address and shakes hands, wanting the modules reached over `link()`."""
        async def open(address: str) -> Connection:
            transport: ByteTransport
            if is_web_address(address):
                transport = await dial_web(parse_web_address(address), address, self.limits, ca)
            elif is_shm_address(address):
                transport = await dial_shm(address, self.shm_spin_us)
            else:
                transport = await dial(parse_address(address))
            return self._track(await Connection.open(transport, initiator=True, wants=self._wants(link()),
                                                     codecs=_codecs(codec), member_codecs=member_codecs, token=token,
                                                     **self._connection_args()))

        return open

    async def connect(self, address: str, modules: Sequence[ModuleDescriptor], *,
                      codec: CodecName | None = None, token: str | None = None, ca: str | None = None,
                      member_codecs: Mapping[str, CodecName] | None = None) -> Connection:
        """add_connect(), dialing now: returns the connection, or raises UNAVAILABLE or the
        handshake's refusal. Later calls redial by themselves when it drops."""
        return await self.add_connect(address, modules, codec=codec, token=token, ca=ca,
                                      member_codecs=member_codecs).connection()

    def add_plugin(self, command: Sequence[str], modules: Sequence[ModuleDescriptor], *,
                   codec: CodecName | None = None, token: str | None = None, cwd: str | None = None,
                   env: dict[str, str] | None = None, channel: PluginChannel = "stdio",
                   member_codecs: Mapping[str, CodecName] | None = None) -> Route:
        """A `plugins` entry: `modules` are reached in a child process speaking frames over its
        stdin/stdout, or over two dedicated descriptors with channel "fds" (we send HELLO),
        spawned on first use and respawned by the next call after it dies."""
        async def open() -> Connection:
            plugin = await spawn_plugin(command, cwd=cwd, env=env, channel=channel)
            self.plugins[:] = [p for p in self.plugins if p.process.returncode is None]
            self.plugins.append(plugin)
            try:
                conn = await Connection.open(plugin.transport, initiator=True, wants=self._wants(link),
                                             codecs=_codecs(codec), member_codecs=member_codecs, token=token,
                                             **self._connection_args())
            except BaseException:
                await plugin.stop(200)
                raise
            return self._track(conn)

        key = f"{channel}:" + repr((list(command), cwd or ""))
        link = self._link(key, modules, lambda: Link(key, open))
        return link

    async def spawn(self, command: Sequence[str], modules: Sequence[ModuleDescriptor], *,
                    codec: CodecName | None = None, token: str | None = None, cwd: str | None = None,
                    env: dict[str, str] | None = None, channel: PluginChannel = "stdio") -> Connection:
        """add_plugin(), starting the plugin now: returns the connection to it."""
        link = self.add_plugin(command, modules, codec=codec, token=token, cwd=cwd, env=env, channel=channel)
        return await link.connection()

    async def serve_stdio(self, parent_modules: Sequence[ModuleDescriptor] = ()) -> Connection:
        """This process is a plugin: serve on the descriptors of INTEROP_PLUGIN_FDS, or on
        stdin/stdout when it is not set; `parent_modules` are called on the parent (there is no
        redialing it: once it is gone, those calls fail with UNAVAILABLE)."""
        conn = self._track(await Connection.open(await parent_transport(), initiator=False, expected_token=self.token,
                                                 wants=parent_modules, **self._connection_args()))

        async def parent() -> Connection:
            return conn

        self._link("stdio:parent", parent_modules, lambda: Link("stdio:parent", parent))
        return conn

    # ---- control channel (docs/wire.md §7) ------------------------------------------------------

    def control(self, member: str) -> Any:
        if member == "manifest":
            return {"node": self.name, "protocol": 1, "limits": self.limits.to_json(),
                    "bundle": ir_bundle([s.module for s in self.served.values()]),
                    "mixed_versions": self._mixed_versions()}
        return {"node": self.name, "status": "ok", "uptime_ms": int((time.monotonic() - self.started) * 1000),
                "connections": len(self.connections), "modules": sorted(self.served),
                "counters": self.counters.to_json()}

    def _mixed_versions(self) -> list[dict[str, Any]]:
        """The open connections' modules that the two sides have in different versions (docs/wire.md §7)."""
        offers = {name: s.module.fingerprint for name, s in self.served.items()}
        found = [m for c in self.connections if not c.closed for m in c.versions.report(c.wants, offers)]
        return sorted(found, key=lambda m: (m["peer"], m["module"], m["role"]))

    # ---- lifecycle ------------------------------------------------------------------------------

    async def close(self, grace_ms: int = 2000) -> None:
        self._closing = True
        for server in self.servers:
            server.close()
        for address in self._listening:
            remove_socket_file(address)
        await asyncio.gather(*(link.close(grace_ms) for link in self.links.values()), return_exceptions=True)
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

        unknown = unknown_member_codecs(cfg, by_name.get)
        if unknown:
            raise ConfigError(f"node {cfg['node']}", unknown)
        limits = DEFAULT_LIMITS.with_overrides(dict(cfg.get("limits", {})))
        node = cls(str(cfg["node"]), limits=limits, token=cfg.get("token"))
        node.web = dict(cfg.get("web", {}))
        node.tls = cfg.get("tls")
        node.shm_spin_us = cfg.get("shm", {}).get("spin_us")
        for m in by_name.values():
            node.known[m.name] = m
        # Without a "modules" list the node hosts every implementation it was given (as in TS).
        where = "modules" if "modules" in cfg else "implementations"
        for name in cfg.get("modules", list(impls)):
            if name not in impls:
                raise ValueError(f"modules: {name} is hosted by this node but no implementation was given")
            node.serve(descriptor(name, where), impls[name])
        for address in cfg.get("listen", []):
            await node.listen(address)
        if "control" in cfg:
            await node.listen(cfg["control"], control_only=True)
        for i, link in enumerate(cfg.get("connect", [])):
            wanted = [descriptor(n, f"connect[{i}]") for n in link["modules"]]
            if "endpoints" in link:
                node.add_endpoints(link["endpoints"], wanted, policy=link.get("policy", "failover"),
                                   idempotent=link.get("idempotent", []), codec=link.get("codec"), token=link.get("token"), ca=link.get("ca"),
                                   member_codecs=link.get("member_codecs"))
            else:
                node.add_connect(link["address"], wanted, codec=link.get("codec"), token=link.get("token"), ca=link.get("ca"),
                                 member_codecs=link.get("member_codecs"))
        for i, plugin in enumerate(cfg.get("plugins", [])):
            wanted = [descriptor(n, f"plugins[{i}]") for n in plugin["modules"]]
            plugin_link = node.add_plugin(plugin["command"], wanted, codec=plugin.get("codec"),
                                          token=plugin.get("token"), cwd=plugin.get("cwd"), env=plugin.get("env"),
                                          channel=plugin.get("channel", "stdio"), member_codecs=plugin.get("member_codecs"))
            # Plugins start with the node, so a broken one shows at start-up; a failure is retried on first use.
            try:
                await plugin_link.connection()
            except InteropError as e:
                log.warning("plugin %s did not start: %s", " ".join(plugin["command"]), e)
        if cfg.get("stdio"):
            reached = set(node.link_of) | set(node.served)
            parent = [m for m in by_name.values() if m.name not in reached]
            await node.serve_stdio(parent)
        return node
