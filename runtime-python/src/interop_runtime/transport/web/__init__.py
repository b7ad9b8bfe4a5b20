"""WebSocket and HTTP transports (docs/transports.md, "WebSocket and HTTP"): ws://, wss://,
http:// and https://. One web listener per address takes WebSocket connections and HTTP requests
alike; dialing, ws:// and wss:// open a WebSocket, http:// and https:// speak HTTP requests."""

from .address import WebAddress, is_web_address, parse_web_address
from .dial import dial_web
from .listener import WebListener, listen_web

__all__ = ["WebAddress", "WebListener", "dial_web", "is_web_address", "listen_web", "parse_web_address"]
