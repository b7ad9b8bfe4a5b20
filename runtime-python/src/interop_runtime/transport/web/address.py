"""Web addresses: scheme://host:port[/path]. A listener's address is scheme://host:port (port 0
picks a free one; no host is 127.0.0.1, as for tcp://); a dialed address may add a path, the
prefix of a node behind a reverse proxy."""

from __future__ import annotations

import re
from dataclasses import dataclass

_FORM = re.compile(r"^(wss?|https?)://(\[[0-9a-fA-F:.]+\]|[^/:\[\]]*):(\d{1,5})(/[^?#]*)?$")


@dataclass(frozen=True, slots=True)
class WebAddress:
    scheme: str  # ws, wss, http, https
    host: str  # without IPv6 brackets
    port: int
    path: str = ""  # "" or "/prefix"

    @property
    def tls(self) -> bool:
        return self.scheme in ("wss", "https")

    @property
    def websocket(self) -> bool:
        return self.scheme in ("ws", "wss")

    @property
    def host_port(self) -> str:
        return host_port(self.host, self.port)

    def __str__(self) -> str:
        return f"{self.scheme}://{self.host_port}{self.path}"


def host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def is_web_address(text: str) -> bool:
    return re.match(r"^(wss?|https?)://", text) is not None


def parse_web_address(text: str) -> WebAddress:
    m = _FORM.match(text)
    if m is None or int(m.group(3)) > 65535:
        raise ValueError(f"bad address {text!r}: expected ws://host:port, wss://, http:// or https:// "
                         "with an explicit port (e.g. ws://127.0.0.1:8080)")
    host = m.group(2).strip("[]") or "127.0.0.1"
    return WebAddress(m.group(1).lower(), host, int(m.group(3)), (m.group(4) or "").rstrip("/"))
