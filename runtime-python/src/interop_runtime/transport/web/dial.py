"""Dialing ws://, wss://, http:// and https:// (docs/transports.md), as the TS runtime does. A
WebSocket is opened with the `websockets` package's sans-I/O client over an asyncio stream; an
HTTP address gets an HttpClientTransport (http_client.py). A server that refuses the upgrade
answers with a status and an error envelope: its code is the code of the failed connect."""

from __future__ import annotations

import asyncio
import json
import ssl

from websockets.client import ClientProtocol
from websockets.exceptions import InvalidStatus
from websockets.frames import Frame as WsFrame
from websockets.uri import parse_uri

from ...errors import ErrorCode, InteropError
from ...limits import Limits
from ..base import ByteTransport, StreamTransport
from .address import WebAddress
from .http_client import HttpClientTransport, why
from .ws import WsTransport


def client_tls(ca: str | None) -> ssl.SSLContext:
    """The system's certificate authorities, and `ca` (a PEM file) beside them."""
    context = ssl.create_default_context()
    if ca is not None:
        try:
            context.load_verify_locations(ca)
        except (OSError, ssl.SSLError) as e:
            raise ValueError(f"ca: cannot read {ca}: {e}") from e
    return context


async def open_stream(address: WebAddress, description: str, context: ssl.SSLContext | None, limits: Limits) -> StreamTransport:
    try:
        async with asyncio.timeout(limits.handshake_timeout_ms / 1000):
            reader, writer = await asyncio.open_connection(address.host, address.port, ssl=context, limit=1 << 20)
    except (OSError, TimeoutError) as e:
        raise InteropError(ErrorCode.UNAVAILABLE, f"cannot connect to {description}: {why(e)}") from e
    return StreamTransport(reader, writer, description)


async def dial_web(address: WebAddress, description: str, limits: Limits, ca: str | None = None) -> ByteTransport:
    context = client_tls(ca) if address.tls else None
    if not address.websocket:
        return HttpClientTransport(address, description, limits, context)
    stream = await open_stream(address, description, context, limits)
    protocol = ClientProtocol(parse_uri(f"{address.scheme}://{address.host_port}{address.path or '/'}"), max_size=limits.max_frame_bytes + 4)
    protocol.send_request(protocol.connect())
    for data in protocol.data_to_send():
        stream.write(data)
    try:
        async with asyncio.timeout(limits.handshake_timeout_ms / 1000):
            while True:
                data = await stream.read()
                if not data:
                    protocol.receive_eof()
                else:
                    protocol.receive_data(data)
                events = protocol.events_received()
                if events or not data:
                    break
    except TimeoutError:
        stream.close()
        raise InteropError(ErrorCode.UNAVAILABLE, f"cannot connect to {description}: no answer to the WebSocket upgrade") from None
    if protocol.handshake_exc is not None:
        stream.close()
        raise refusal_of(protocol.handshake_exc, description)
    # Frames that came with the upgrade's answer are read first.
    return WsTransport(stream, protocol, description, initial=[e for e in events[1:] if isinstance(e, WsFrame)])


def refusal_of(error: Exception, description: str) -> InteropError:
    """The error envelope of a refused upgrade as an InteropError, or the status in words."""
    if isinstance(error, InvalidStatus):
        response = error.response
        try:
            env = json.loads(response.body or b"")
            return InteropError(int(env["code"]), str(env["message"]))
        except (ValueError, KeyError, TypeError):
            return InteropError(ErrorCode.UNAVAILABLE, f"cannot connect to {description}: the server answered HTTP "
                                f"{response.status_code} instead of accepting a WebSocket (is it an interop node?)")
    return InteropError(ErrorCode.UNAVAILABLE, f"cannot connect to {description}: {why(error)}")
