"""Typed errors shared by every part of the runtime. Codes are the table in docs/wire.md §4.1."""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ErrorCode(IntEnum):
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16
    SCHEMA_MISMATCH = 100
    APPLICATION_ERROR = 101
    PROTOCOL_ERROR = 102


def error_code_name(code: int) -> str:
    """The table name of a code, or CODE_<n> for a code from a newer peer."""
    try:
        return ErrorCode(code).name
    except ValueError:
        return f"CODE_{code}"


class InteropError(Exception):
    """Every error the runtime raises or receives from a peer. `code` may be a code this runtime
    does not know (a newer peer's), so it is a plain int."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = int(code)
        self.message = message

    def __str__(self) -> str:
        return f"{error_code_name(self.code)}: {self.message}"

    def __repr__(self) -> str:
        return f"InteropError({error_code_name(self.code)}, {self.message!r})"


class ApplicationError(InteropError):
    """Base class of the error types declared in a schema (`error NotFound { … }`). Generated
    classes extend it; a handler raises one and the caller receives an instance of the same
    class."""

    #: Qualified IDL name, e.g. "example.chat.NotFound": travels in the error envelope.
    error_type: ClassVar[str] = ""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(ErrorCode.APPLICATION_ERROR, message or self.error_type)

    def __str__(self) -> str:
        return f"{self.error_type}: {self.message}"


def invalid(message: str) -> InteropError:
    """The error every decoder raises for input that does not fit the schema."""
    return InteropError(ErrorCode.INVALID_ARGUMENT, message)


def exhausted(message: str) -> InteropError:
    return InteropError(ErrorCode.RESOURCE_EXHAUSTED, message)
