"""Mixed versions (docs/wire.md §2.2): the compatibility tables peers exchange in the handshake,
and the rule that decides, per function and event, whether this side can use the peer's version
of a module. The tables are computed by the compiler into the IR (docs/ir.md); this module only
checks their shape and compares strings. Mirrors runtime-ts/src/wire/compat.ts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from .errors import ErrorCode, InteropError

MemberKind = Literal["function", "event"]


@dataclass(frozen=True, slots=True)
class CompatEntry:
    must: dict[str, str]
    may: dict[str, str]
    #: Functions and events: the qualified names of the types they use.
    uses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CompatTable:
    functions: dict[str, CompatEntry]
    events: dict[str, CompatEntry]
    types: dict[str, CompatEntry]
    #: The table as received or generated, sent as is in the handshake.
    doc: Any


def _protocol_error(message: str) -> InteropError:
    return InteropError(ErrorCode.PROTOCOL_ERROR, message)


def _texts(value: Any, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _protocol_error(f"{where}: expected an object of strings")
    for k, v in value.items():
        if not isinstance(v, str):
            raise _protocol_error(f"{where}.{k}: expected a string")
    return value


def _entry(value: Any, where: str, with_uses: bool) -> CompatEntry:
    if not isinstance(value, dict):
        raise _protocol_error(f"{where}: expected an object")
    must = _texts(value.get("must"), f"{where}.must")
    may = _texts(value.get("may"), f"{where}.may")
    if not with_uses:
        return CompatEntry(must, may)
    uses = value.get("uses")
    if not isinstance(uses, list) or not all(isinstance(u, str) for u in uses):
        raise _protocol_error(f"{where}.uses: expected an array of strings")
    return CompatEntry(must, may, tuple(uses))


def _entries(value: Any, where: str, with_uses: bool) -> dict[str, CompatEntry]:
    if not isinstance(value, dict):
        raise _protocol_error(f"{where}: expected an object")
    return {k: _entry(v, f"{where}.{k}", with_uses) for k, v in value.items()}


def parse_compat_table(value: Any, where: str) -> CompatTable:
    """Checks a table (received from a peer, or from a descriptor's IR): PROTOCOL_ERROR when its
    shape is wrong."""
    if not isinstance(value, dict):
        raise _protocol_error(f"{where}: expected an object")
    table = CompatTable(
        functions=_entries(value.get("functions"), f"{where}.functions", True),
        events=_entries(value.get("events"), f"{where}.events", True),
        types=_entries(value.get("types"), f"{where}.types", False),
        doc=value,
    )
    for kind, group in (("functions", table.functions), ("events", table.events)):
        for name, e in group.items():
            for t in e.uses:
                if t not in table.types:
                    raise _protocol_error(f"{where}.{kind}.{name}.uses: type {t} is not in types")
    return table


def compat_of(ir: Any) -> CompatTable | None:
    """The compatibility table a descriptor's IR carries, if any (hand-made descriptors have none)."""
    if isinstance(ir, dict) and isinstance(ir.get("compat"), dict):
        return parse_compat_table(ir["compat"], "compat")
    return None


def _quoted(text: str | None) -> str:
    return "absent" if text is None else json.dumps(text, ensure_ascii=False)


def _text_of(e: CompatEntry, key: str) -> str | None:
    if key in e.must:
        return e.must[key]
    return e.may.get(key)


def first_difference(ours: CompatEntry, theirs: CompatEntry) -> str | None:
    """The first member, in code-point order of the keys, on which two entries disagree: a key
    both have with different texts, or a key only one has in its `must`. None when compatible."""
    keys = set(ours.must) | set(ours.may) | set(theirs.must) | set(theirs.may)
    for key in sorted(keys):
        a = _text_of(ours, key)
        b = _text_of(theirs, key)
        if a is not None and b is not None:
            differs = a != b
        elif a is not None:
            differs = key in ours.must
        else:
            differs = key in theirs.must
        if differs:
            return f"{key} is {_quoted(a)} here, {_quoted(b)} on the peer"
    return None


def verdict(kind: MemberKind, module: str, name: str, ours: CompatTable, theirs: CompatTable) -> InteropError | None:
    """Whether this side can call function (or subscribe to event) `name` of `module` on a peer
    whose version of the module differs: None when it can, else the error the call fails with
    (UNIMPLEMENTED for a function the peer lacks, NOT_FOUND for an event, SCHEMA_MISMATCH naming
    the first declaration that differs). The messages are the same in every runtime."""
    what = f"{module}.{name}"
    mine_group = ours.functions if kind == "function" else ours.events
    peer_group = theirs.functions if kind == "function" else theirs.events
    if name not in peer_group:
        code = ErrorCode.UNIMPLEMENTED if kind == "function" else ErrorCode.NOT_FOUND
        return InteropError(code, f"{what}: the peer's version of {module} has no {kind} {name}")
    if name not in mine_group:
        return InteropError(ErrorCode.SCHEMA_MISMATCH, f"{what}: not in this side's compatibility table")
    mine, peer = mine_group[name], peer_group[name]

    def mismatch(decl: str, difference: str) -> InteropError:
        return InteropError(ErrorCode.SCHEMA_MISMATCH,
                            f"{what}: incompatible with the peer's version: {decl} {difference}")

    own = first_difference(mine, peer)
    if own is not None:
        return mismatch(what, own)
    their_uses = set(peer.uses)
    for t in sorted(mine.uses):
        if t not in their_uses or t not in ours.types:
            continue
        difference = first_difference(ours.types[t], theirs.types[t])
        if difference is not None:
            return mismatch(t, difference)
    return None


__all__ = ["CompatEntry", "CompatTable", "MemberKind", "compat_of", "first_difference", "parse_compat_table", "verdict"]
