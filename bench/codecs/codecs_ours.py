"""Our generated Python codecs for the shapes (interopc gen --lang python -> bench/out/gen/python,
runtime from runtime-python/src). Returns ([(name, encode, decode, value)], missing-reason or None)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "bench", "out", "gen", "python"), os.path.join(ROOT, "runtime-python", "src")]

sys.path.insert(0, os.path.join(ROOT, "bench"))
from shapes.typed import typed_value  # noqa: E402


def our_codecs(shape):
    try:
        import bench_shapes as gen
    except ImportError as e:
        return [], f"generated Python codecs not available ({e})"
    codec = gen.CODECS[{"small": "Small", "nested": "Nested", "blob": "Blob"}[shape]]
    value = typed_value(gen, shape)
    return [
        ("interop msgpack", lambda v: codec.encode(v, "msgpack"), lambda b: codec.decode(b, "msgpack", 64), value),
        ("interop json", lambda v: codec.encode(v, "json"), lambda b: codec.decode(b, "json", 64), value),
        ("interop protobuf", lambda v: codec.encode(v, "protobuf"), lambda b: codec.decode(b, "protobuf", 64), value),
        ("interop flatbuffers", lambda v: codec.encode(v, "flatbuffers"), lambda b: codec.decode(b, "flatbuffers", 64), value),
    ], None
