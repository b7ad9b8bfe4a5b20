"""What this side may use of the peer's modules (docs/wire.md §2.2): a module the peer offers with
the same fingerprint entirely; one with another fingerprint function by function and event by
event, as the compatibility tables exchanged in the handshake decide. Judged once per member and
remembered for the life of the connection. Mirrors runtime-ts/src/node/peer-versions.ts."""

from __future__ import annotations

from .compat import CompatTable, MemberKind, compat_of, verdict
from .errors import ErrorCode, InteropError
from .handshake import CONTROL_MODULE
from .module import ModuleDescriptor


class PeerVersions:
    def __init__(self, node: str, offers: dict[str, str], compat: dict[str, CompatTable]) -> None:
        self.node = node
        self.offers = offers
        self.compat = compat
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


__all__ = ["PeerVersions"]
