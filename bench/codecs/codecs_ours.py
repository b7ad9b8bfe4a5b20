"""Our generated Python codecs for the shapes (interopc gen --lang python -> bench/out/gen/python,
runtime from runtime-python/src). Returns ([(name, encode, decode, value)], missing-reason or None)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path[:0] = [os.path.join(ROOT, "bench", "out", "gen", "python"), os.path.join(ROOT, "runtime-python", "src")]

sys.path.insert(0, os.path.join(ROOT, "bench"))
from shapes.data import make_shape  # noqa: E402


def typed_value(gen, shape):
    """The shape's value as the generated dataclasses."""
    v = make_shape(shape)
    if shape == "small":
        return gen.Small(**v)
    if shape == "blob":
        return gen.Blob(**v)
    return gen.Nested(id=v["id"], title=v["title"], owner=gen.Small(**v["owner"]),
                      items=[gen.Item(**i) for i in v["items"]], attrs=v["attrs"], counts=v["counts"])


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
    ], None
