"""Suite 1 (Python): encode and decode of the three shapes, our generated codecs against
msgpack.packb/unpackb of plain dicts, the standard json module, google's protobuf (its upb
runtime, protoc-generated shapes_pb2 messages) and flatc-generated FlatBuffers code over the PyPI
package (a full read, and reading one field: FlatBuffers' zero-copy case beside msgpack's full
decode), alternating in one process.
Prints one JSON line: {"rows": [{shape, name, size, encode_ns, decode_ns}], "notes": [...]}.
Usage: py_codecs.py WARMUP REPS SMOKE(0|1)"""
import base64
import json
import os
import statistics
import sys
import time

import msgpack

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from shapes.data import SHAPES, make_shape  # noqa: E402
from codecs_ours import our_codecs  # noqa: E402
from py_flatbuffers import flatc_python  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "out", "pb"))

BATCH = {"small": 20000, "nested": 3000, "blob": 40}


def google_protobuf(shape):
    """google's protobuf on its own message objects (built once, as our codecs get their typed
    values), deterministic like ours (map entries in key order); None without the package."""
    try:
        from google.protobuf.internal import api_implementation
        import shapes_pb2 as pb
    except ImportError:
        return None
    v = make_shape(shape)
    if shape == "nested":
        msg = pb.Nested(id=v["id"], title=v["title"], owner=pb.Small(**v["owner"]),
                        items=[pb.Item(**i) for i in v["items"]], attrs=v["attrs"], counts=v["counts"])
    else:
        msg = {"small": pb.Small, "blob": pb.Blob}[shape](**v)
    cls = type(msg)
    return (f"google protobuf ({api_implementation.Type()})", lambda _v: msg.SerializeToString(deterministic=True),
            cls.FromString)


def peer_codecs(shape):
    out = [("msgpack.packb/unpackb", lambda v: msgpack.packb(v, use_bin_type=True),
            lambda b: msgpack.unpackb(b, raw=False))]
    google = google_protobuf(shape)
    if google is not None:
        out.append(google)
    flatc = flatc_python(shape)
    if flatc is not None:
        name, enc, dec, one = flatc
        out.append((name, enc, dec))
        out.append(("flatbuffers (flatc): read id only", enc, one))
    if shape == "blob":
        out.append(("json.dumps/loads",
                    lambda v: json.dumps({"id": v["id"], "data": base64.b64encode(v["data"]).decode()},
                                         separators=(",", ":")).encode(),
                    lambda b: (lambda o: {"id": o["id"], "data": base64.b64decode(o["data"])})(json.loads(b))))
    else:
        out.append(("json.dumps/loads", lambda v: json.dumps(v, separators=(",", ":")).encode(), json.loads))
    return out


def main():
    warmup, reps, smoke = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "1"
    rows, notes = [], []
    clock = time.perf_counter_ns
    for shape in SHAPES:
        n = max(2, BATCH[shape] // 200) if smoke else BATCH[shape]
        ours, missing = our_codecs(shape)
        if missing:
            notes.append(f"codecs/python: {missing}")
        contenders = ours + [(name, enc, dec, make_shape(shape)) for name, enc, dec in peer_codecs(shape)]
        enc_t = {c[0]: [] for c in contenders}
        dec_t = {c[0]: [] for c in contenders}
        for rep in range(warmup + reps):
            k = rep % len(contenders)
            for name, enc, dec, value in contenders[k:] + contenders[:k]:
                data = enc(value)
                t0 = clock()
                for _ in range(n):
                    data = enc(value)
                t1 = clock()
                for _ in range(n):
                    dec(data)
                t2 = clock()
                if rep >= warmup:
                    enc_t[name].append((t1 - t0) / n)
                    dec_t[name].append((t2 - t1) / n)
        for name, enc, _dec, value in contenders:
            rows.append({"shape": shape, "name": name, "n": n, "size": len(enc(value)),
                         "encode_ns": statistics.median(enc_t[name]), "decode_ns": statistics.median(dec_t[name])})
    print(json.dumps({"rows": rows, "notes": notes}))


if __name__ == "__main__":
    main()
