"""A hostile shm dialer for test/shm/hostile.test.ts, laid out from docs/wire.md §9 alone (not from
any runtime's code): it sets a segment up, breaks the contract one way, and prints what the node
did. Usage: raw_peer.py SOCKET_PATH MODE, MODE one of
  garbage      16 bytes that are no frame (a length of 0xefbeadde)
  short        a frame whose length is below the 14-byte header
  write_index  a write index further ahead than the ring holds
  read_index   a read index past what the node wrote, then garbage (the node's ERROR cannot go in)
Prints "closed <bytes the node wrote>" once the node closed the set-up socket, or "open" after 5 s."""

import fcntl
import mmap
import os
import select
import socket
import struct
import sys

MAGIC, VERSION, RING, HEADER = 0x4D485349, 1, 4096, 4096


def ctl(r: int, reader: bool) -> int:
    return 64 + 256 * r + (128 if reader else 0)


def main() -> None:
    path, mode = sys.argv[1], sys.argv[2]
    size = HEADER + 2 * RING
    memfd = os.memfd_create("raw-ring", os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(memfd, size)
    fcntl.fcntl(memfd, fcntl.F_ADD_SEALS, fcntl.F_SEAL_SHRINK | fcntl.F_SEAL_GROW)
    seg = mmap.mmap(memfd, size)
    setup = struct.pack("<IIII", MAGIC, VERSION, RING, 0)
    seg[0:16] = setup
    wake_dialer, wake_listener = os.eventfd(0), os.eventfd(0)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    socket.send_fds(sock, [setup], [memfd, wake_dialer, wake_listener])

    def put(data: bytes, at: int = 0) -> None:
        seg[HEADER + at : HEADER + at + len(data)] = data
        struct.pack_into("<Q", seg, ctl(0, False), at + len(data))

    if mode == "garbage":
        put(bytes([0xDE, 0xAD, 0xBE, 0xEF, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4, 5, 6, 7, 8]))
    elif mode == "short":
        put(struct.pack("<I", 3) + b"\x01\x01\x00")
    elif mode == "write_index":
        struct.pack_into("<Q", seg, ctl(0, False), RING + 1)
    elif mode == "read_index":
        struct.pack_into("<Q", seg, ctl(1, True), 100000)
        put(b"\xff" * 16)
    else:
        raise SystemExit(f"unknown mode {mode}")
    os.eventfd_write(wake_listener, 1)
    ready, _, _ = select.select([sock], [], [], 5.0)
    if ready and sock.recv(1) == b"":
        print("closed", struct.unpack_from("<Q", seg, ctl(1, False))[0], flush=True)
    else:
        print("open", flush=True)


main()
