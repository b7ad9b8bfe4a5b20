"""Base of generated enums. An IDL enum is open: a newer peer may send a value this code does
not know, and it must survive decode and re-encode (docs/wire.md §3). IntEnum cannot hold unknown
values, so a generated enum is an int subclass with its known members as class attributes."""

from __future__ import annotations

from typing import ClassVar, TypeVar

E = TypeVar("E", bound="OpenEnum")


class OpenEnum(int):
    __slots__ = ()
    _names: ClassVar[dict[int, str]] = {}
    _values: ClassVar[dict[str, int]] = {}
    #: The first declared member's value: the zero value of the type.
    _first: ClassVar[int] = 0

    @classmethod
    def _define(cls, members: dict[str, int]) -> None:
        """Called once by generated code right after the class: sets the member attributes."""
        cls._values = dict(members)
        cls._names = {}
        for name, value in members.items():
            cls._names.setdefault(value, name)
            setattr(cls, name, cls(value))
        cls._first = next(iter(members.values()), 0)

    @property
    def name(self) -> str | None:
        """The member name, or None for a value from a newer schema."""
        return self._names.get(int(self))

    @property
    def is_known(self) -> bool:
        return int(self) in self._names

    @classmethod
    def from_name(cls: type[E], name: str) -> E | None:
        value = cls._values.get(name)
        return None if value is None else cls(value)

    @classmethod
    def members(cls: type[E]) -> list[E]:
        return [cls(v) for v in cls._values.values()]

    def __repr__(self) -> str:
        name = self.name
        return f"{type(self).__name__}.{name}" if name else f"{type(self).__name__}({int(self)})"

    __str__ = __repr__
