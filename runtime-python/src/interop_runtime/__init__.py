"""interop runtime for Python: canonical codecs, frames, connections, transports, node host.

Generated code imports this package as `_rt` (descriptors, errors, OpenEnum, TypeCodec) and
`interop_runtime.gen_support` as `_g` (the helpers its codecs call)."""

from .codec.type_codec import CodecName, TypeCodec
from .errors import ApplicationError, ErrorCode, InteropError, error_code_name
from .limits import DEFAULT_LIMITS, Limits
from .module import (
    CallContext,
    CallOptions,
    ErrorDescriptor,
    EventDescriptor,
    EventHandler,
    FunctionDescriptor,
    Invoker,
    ModuleDescriptor,
    Publisher,
    Subscription,
)
from .open_enum import OpenEnum
from .polling import PolledSubscription
from .streams import ItemSource, StreamCall

__all__ = [
    "ApplicationError", "CallContext", "CallOptions", "CodecName", "DEFAULT_LIMITS", "ErrorCode",
    "ErrorDescriptor", "EventDescriptor", "EventHandler", "FunctionDescriptor", "InteropError",
    "Invoker", "ItemSource", "Limits", "ModuleDescriptor", "OpenEnum", "PolledSubscription", "Publisher", "StreamCall",
    "Subscription", "TypeCodec", "error_code_name",
]
