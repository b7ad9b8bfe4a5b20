"""What generated code hands to the runtime: one descriptor per module, a codec per payload.
The runtime (connections, node host, control channel) works only through these types, so it
never needs to know a schema; generated code never needs to know a transport. Mirrors
runtime-ts/src/module.ts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Literal, Protocol, Sequence

from .codec.type_codec import CodecName, TypeCodec
from .errors import ApplicationError
from .streams import ItemSource, StreamCall

__all__ = [
    "CodecName",
    "TypeCodec",
    "ErrorDescriptor",
    "FunctionDescriptor",
    "EventDescriptor",
    "ModuleDescriptor",
    "CallContext",
    "CallOptions",
    "Subscription",
    "EventHandler",
    "Invoker",
    "Publisher",
    "ir_bundle",
]


@dataclass(frozen=True, slots=True)
class ErrorDescriptor:
    #: Qualified IDL name, e.g. "example.chat.NotFound".
    name: str
    #: Encodes the error's fields as the envelope's `detail` (docs/wire.md §4).
    codec: TypeCodec[Any]
    cls: type[ApplicationError]


@dataclass(frozen=True, slots=True)
class FunctionDescriptor:
    #: IDL name, as on the wire (target = module + "." + name).
    name: str
    #: "stream": with `input` (a client stream), `output` (a server stream) or both (docs/wire.md §1.5).
    kind: Literal["call", "oneway", "stream"]
    #: The parameters, positional, in declaration order, encoded as the params struct (a
    #: stream's stream parameter is not one).
    params: TypeCodec[tuple[Any, ...]]
    #: None when the function has no result: the RESPONSE payload is then empty.
    result: TypeCodec[Any] | None
    #: Qualified names of declared error types, keys into ModuleDescriptor.errors.
    throws: tuple[str, ...]
    #: Name of the implementation method on the handler object (language-renamed).
    method: str
    #: A stream's items from the caller.
    input: TypeCodec[Any] | None = None
    #: A stream's items from the callee.
    output: TypeCodec[Any] | None = None


@dataclass(frozen=True, slots=True)
class EventDescriptor:
    name: str
    #: None when the event has no payload.
    payload: TypeCodec[Any] | None


@dataclass(frozen=True, slots=True)
class ModuleDescriptor:
    name: str
    version: str
    fingerprint: str
    functions: dict[str, FunctionDescriptor]
    events: dict[str, EventDescriptor]
    #: Every error type any function may throw, by qualified name.
    errors: dict[str, ErrorDescriptor]
    #: The module's IR (docs/ir.md), served by the control channel's manifest.
    ir: Any = field(repr=False, default=None)
    #: Descriptors of the modules this one imports (generated code lists them all), so a node can
    #: serve a complete IR bundle: its modules' types may refer to theirs.
    imports: tuple[ModuleDescriptor, ...] = field(repr=False, default=())


def ir_bundle(roots: Sequence[ModuleDescriptor]) -> dict[str, Any]:
    """The IR bundle a node serves (docs/ir.md): the modules in `roots` and, through each
    descriptor's `imports`, every module they import transitively, each once, imports first."""
    modules: list[Any] = []
    seen: set[str] = set()

    def visit(d: ModuleDescriptor) -> None:
        if d.name in seen:
            return
        seen.add(d.name)
        for i in d.imports:
            visit(i)
        modules.append(d.ir)

    for d in roots:
        visit(d)
    return {"irVersion": 1, "modules": modules, "roots": [d.name for d in roots]}


@dataclass(slots=True)
class CallContext:
    """Passed as the last argument to every handler method. A cancelled call (caller cancel,
    deadline, connection closed) cancels the handler's task: it sees asyncio.CancelledError."""

    #: Name of the calling node, from its HELLO, or "local" for a direct call.
    peer: str
    #: Absolute deadline on the time.monotonic() scale, or None.
    deadline: float | None = None

    def remaining_ms(self) -> int | None:
        if self.deadline is None:
            return None
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@dataclass(frozen=True, slots=True)
class CallOptions:
    #: Relative timeout in ms; defaults to the node's default_deadline_ms.
    timeout_ms: int | None = None


class Subscription(Protocol):
    async def unsubscribe(self) -> None: ...

    #: Events dropped by the queue policy for this subscription so far.
    @property
    def dropped(self) -> int: ...


EventHandler = Callable[[Any], "Awaitable[None] | None"]


class Invoker(Protocol):
    """How a generated client stub reaches its module: the same interface for a direct
    in-process call and for any transport. Implemented by the runtime."""

    async def call(
        self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
        options: CallOptions | None = None,
    ) -> Any: ...

    def oneway(self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...]) -> None: ...

    def stream(
        self, module: ModuleDescriptor, fn: FunctionDescriptor, args: tuple[Any, ...],
        source: ItemSource[Any] | None = None, options: CallOptions | None = None,
    ) -> StreamCall[Any, Any]:
        """A stream function (runtime-python/README.md "Streams"): `source` is the caller's items
        (a client or bidirectional stream). The stream starts when the StreamCall is first read."""
        ...

    async def subscribe(
        self, module: ModuleDescriptor, event: EventDescriptor, handler: EventHandler
    ) -> Subscription: ...


class Publisher(Protocol):
    """How generated server code publishes events: the runtime fans them out to local and remote
    subscribers."""

    def publish(self, module: ModuleDescriptor, event: EventDescriptor, payload: Any) -> None: ...

