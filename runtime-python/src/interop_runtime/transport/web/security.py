"""What a web listener checks before anything reaches a node (docs/transports.md, "Security"),
as the TS runtime does: the Host header (against DNS rebinding) and the Origin header (against
pages of other sites). Requests without Origin come from programs, not pages: they pass."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Mapping

_LOOPBACK = ("localhost", "127.0.0.1", "::1")
_ANY_HOST = ("0.0.0.0", "::", "")


@dataclass(frozen=True, slots=True)
class WebPolicy:
    hosts: frozenset[str] | None  # None: any host
    origins: frozenset[str] | None  # None: any origin
    page_scheme: str  # "http" or "https": the scheme of the listener's own origin


def web_policy(web: Mapping[str, Any] | None, bound_host: str, tls: bool) -> WebPolicy:
    extra_hosts = list((web or {}).get("allowed_hosts", []))
    hosts = set(_LOOPBACK) | {h.lower() for h in extra_hosts}
    if bound_host not in _ANY_HOST:
        hosts.add(bound_host.lower())
    origins = list((web or {}).get("allowed_origins", []))
    return WebPolicy(
        hosts=None if "*" in extra_hosts else frozenset(hosts),
        origins=None if "*" in origins else frozenset(o.lower().rstrip("/") for o in origins),
        page_scheme="https" if tls else "http",
    )


def host_name(host_header: str) -> str:
    """The host name of a Host header: no port, no IPv6 brackets, lower case."""
    h = host_header.strip().lower()
    if h.startswith("["):
        end = h.find("]")
        return h[1:end] if end > 0 else h[1:]
    return h.rpartition(":")[0] if ":" in h else h


def refusal(policy: WebPolicy, host: str | None, origin: str | None) -> str | None:
    """Why a request may not pass, or None when it may."""
    if not host:
        return "the request has no Host header"
    name = host_name(host)
    if policy.hosts is not None and name not in policy.hosts:
        return (f'Host "{host}" is not allowed here: add "{name}" to web.allowed_hosts in the node config '
                "to serve it")
    if origin is None:
        return None
    if origin.lower() != f"{policy.page_scheme}://{host.lower()}" and not cross_origin_allowed(policy, origin):
        return (f'Origin "{origin}" is not allowed here (a page of another site): add it to '
                "web.allowed_origins in the node config to let its pages call this node")
    return None


def cross_origin_allowed(policy: WebPolicy, origin: str) -> bool:
    """An allowed origin other than the listener's own (answered with CORS headers)."""
    return policy.origins is None or origin.lower() in policy.origins


def bearer_token(authorization: str | None) -> str | None:
    m = re.match(r"^Bearer +(\S+)\s*$", authorization or "", re.IGNORECASE)
    return m.group(1) if m else None
