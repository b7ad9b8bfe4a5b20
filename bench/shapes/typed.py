"""The shapes as our generated Python dataclasses (module `gen` = bench/out/gen/python/bench_shapes.py)."""
from shapes.data import make_shape


def typed_value(gen, shape):
    v = make_shape(shape)
    if shape == "small":
        return gen.Small(**v)
    if shape == "blob":
        return gen.Blob(**v)
    return gen.Nested(id=v["id"], title=v["title"], owner=gen.Small(**v["owner"]),
                      items=[gen.Item(**i) for i in v["items"]], attrs=v["attrs"], counts=v["counts"])
