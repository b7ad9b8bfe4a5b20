"""What this side may use of the peer's modules (docs/wire.md §2.2): a module the peer offers with
the same fingerprint entirely; one with another fingerprint function by function and event by
event, as the compatibility tables exchanged in the handshake decide. Judged once per member and
remembered for the life of the connection. Mirrors runtime-ts/src/node/peer-versions.ts."""

from __future__ import annotations

from typing import Any, Sequence

from .compat import CompatTable, MemberKind, compat_of, verdict
from .errors import ErrorCode, InteropError, error_code_name
from .handshake import CONTROL_MODULE
from .module import ModuleDescriptor


class PeerVersions:
    def __init__(self, node: str, offers: dict[str, str], compat: dict[str, CompatTable],
                 wants: dict[str, str] | None = None) -> None:
        self.node = node
        self.offers = offers
        self.compat = compat
        self.wants = wants or {}
        #: (module, fingerprint, kind, member) -> (code, message) of why it cannot be used, or None
        #: when it can. The fingerprint names the version of the module this side calls with.
        self._judged: dict[tuple[str, str, str, str], tuple[int, str] | None] = {}

    def same(self, module: ModuleDescriptor) -> bool:
        """Whether the peer offers `module` with the very fingerprint this side was built from."""
        return module.name == CONTROL_MODULE or self.offers.get(module.name) == module.fingerprint

    def check(self, module: ModuleDescriptor, kind: MemberKind, name: str) -> None:
        """Raises what a call of (or subscription to) `name` fails with, before anything is sent."""
        if self.same(module):
            return
        key = (module.name, module.fingerprint, kind, name)
        if key not in self._judged:
            error = self._judge(module, kind, name)
            self._judged[key] = None if error is None else (error.code, error.message)
        refusal = self._judged[key]
        if refusal is not None:
            raise InteropError(refusal[0], refusal[1])

    def _judge(self, module: ModuleDescriptor, kind: MemberKind, name: str) -> InteropError | None:
        peer = self.node or "the peer"
        if module.name not in self.offers:
            return InteropError(ErrorCode.NOT_FOUND, f"{peer} does not offer module {module.name}")
        ours = compat_of(module.ir)
        theirs = self.compat.get(module.name)
        if ours is None or theirs is None:
            return InteropError(
                ErrorCode.SCHEMA_MISMATCH,
                f"module {module.name}: this side was generated from {module.fingerprint}, {peer} has "
                f"{self.offers[module.name]}, and without both compatibility tables nothing can be called")
        return verdict(kind, module.name, name, ours, theirs)

    def report(self, wants: Sequence[ModuleDescriptor], offers: dict[str, str]) -> list[dict[str, Any]]:
        """The modules of `wants` (ours) and `offers` (what we serve) that the peer has in another
        version (docs/wire.md §7, the manifest's `mixed_versions`): for a module this node `calls`,
        what it cannot use there; one it `serves` is judged by the peer."""
        out: list[dict[str, Any]] = []
        for d in wants:
            if self.same(d) or d.name not in self.offers:
                continue
            unavailable = []
            members: list[tuple[MemberKind, str]] = [("function", m) for m in sorted(d.functions)]
            members += [("event", m) for m in sorted(d.events)]
            for kind, member in members:
                try:
                    self.check(d, kind, member)
                except InteropError as e:
                    unavailable.append({"kind": kind, "member": member, "code": error_code_name(e.code), "message": e.message})
            out.append({"peer": self.node, "module": d.name, "role": "calls", "fingerprint": d.fingerprint,
                        "peer_fingerprint": self.offers[d.name], "unavailable": unavailable})
        for name, theirs in self.wants.items():
            if name in offers and offers[name] != theirs:
                out.append({"peer": self.node, "module": name, "role": "serves", "fingerprint": offers[name],
                            "peer_fingerprint": theirs})
        return out


__all__ = ["PeerVersions"]
