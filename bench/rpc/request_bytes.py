"""The bytes a raw ping-pong sends for a shape: a REQUEST frame (docs/wire.md section 1) around the
shape's msgpack payload, the same layout as bench/rpc/request-bytes.ts."""
import struct

import msgpack

TARGETS = {"small": "bench.shapes.echoSmall", "nested": "bench.shapes.echoNested", "blob": "bench.shapes.echoBlob"}


def request_frame(shape, value):
    payload = msgpack.packb({1: value}, use_bin_type=True)
    target = TARGETS[shape].encode()
    head = struct.pack("<IBBHIIH", 14 + len(target) + len(payload), 3, 2, 0, 1, 0, len(target))
    return head + target + payload
