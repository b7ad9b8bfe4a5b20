"""The errors a caller sees when a handler's answer is not a value of its declared type (docs/wire.md
§3.4): the handler is at fault, so INTERNAL, with what the check found. Connections and the direct
invoker raise the same ones, with the same messages as runtime-ts (node/call-errors.ts)."""

from __future__ import annotations

from .errors import ApplicationError, ErrorCode, InteropError
from .module import ErrorDescriptor, FunctionDescriptor, ModuleDescriptor


def invalid_result(fn: FunctionDescriptor, error: InteropError) -> InteropError:
    return InteropError(ErrorCode.INTERNAL, f"{fn.name}: the handler returned an invalid result: {error.message}")


def invalid_item(fn: FunctionDescriptor, error: InteropError) -> InteropError:
    """A stream's handler sent an item that is not of the item type."""
    return InteropError(ErrorCode.INTERNAL, f"{fn.name}: the handler sent an invalid item: {error.message}")


def invalid_declared_error(fn: FunctionDescriptor, type_name: str, error: InteropError) -> InteropError:
    return InteropError(ErrorCode.INTERNAL, f"{fn.name}: the handler raised an invalid {type_name}: {error.message}")


class HandlerFault(Exception):
    """Raised inside a stream's machinery when a handler gave a value its type cannot hold:
    `error` (INTERNAL, one of the above) is what the caller gets."""

    def __init__(self, error: InteropError) -> None:
        super().__init__(error.message)
        self.error = error


def declared_error(module: ModuleDescriptor, fn: FunctionDescriptor, error: ApplicationError) -> ErrorDescriptor | None:
    """The descriptor of `error` when it is a declared error `fn` may raise."""
    return module.errors.get(error.error_type) if error.error_type in fn.throws else None
