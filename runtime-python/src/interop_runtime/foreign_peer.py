"""A peer that answers a HELLO with something other than interop frames (docs/wire.md §2): an
HTTP server, a TLS server, any other service. Read as a frame, "HTTP/1.1 400" is a length of
1347703880 bytes; this says what was reached instead, in the same words as the TS runtime."""

from __future__ import annotations

import json

#: Bytes needed to tell: a frame's length (4), kind and codec.
SNIFF_BYTES = 6


#: Why a handshake failed when the peer closed before sending a byte (docs/wire.md §2).
CLOSED_WITHOUT_ANSWER = ("the peer closed the connection without answering HELLO (so do a process that exited, a node "
                         "out of file descriptors, and a server of another protocol such as TLS)")


def starts_handshake_answer(head: bytes) -> bool:
    """Whether the first bytes an initiator receives can start the answer to its HELLO: a WELCOME
    or a connection-level ERROR, both JSON (kind 2 or 5 at offset 4, codec 1 at offset 5)."""
    return head[4] in (2, 5) and head[5] == 1


def describe_foreign_peer(head: bytes) -> str:
    """What a peer that answered `head` (at least SNIFF_BYTES) instead of a WELCOME seems to be."""
    data = head[:64]
    end = 0
    while end < len(data) and data[end] not in (0x0D, 0x0A):
        end += 1
    line = data[:end]
    printable = len(line) > 0 and all(0x20 <= b <= 0x7E for b in line)
    text = json.dumps(line.decode("ascii")) if printable else ""
    if printable and text.startswith('"HTTP/'):
        what = f"like an HTTP server: {text}"
    elif data[0] in (0x15, 0x16) and data[1] == 0x03:
        what = "like a TLS server (interop connections are not TLS)"
    elif printable:
        what = f"with text: {text}"
    else:
        what = "with bytes " + " ".join(f"{b:02x}" for b in data[:8])
    return f"the peer does not speak the interop protocol: it answered {what}"


__all__ = ["CLOSED_WITHOUT_ANSWER", "SNIFF_BYTES", "describe_foreign_peer", "starts_handshake_answer"]
