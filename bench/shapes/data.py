"""The three payload shapes, built deterministically: the same values as bench/shapes/data.ts."""

BLOB_BYTES = 1 << 20
SHAPES = ("small", "nested", "blob")


def make_small():
    return {"id": 12345, "name": "sensor-12345", "active": True, "score": 98.625, "delta": -42}


def make_nested():
    items = [
        {"id": i, "label": f"item number {i}", "price": i * 1.25 + 0.5, "tags": ["red", "green", f"t{i}"]}
        for i in range(10)
    ]
    attrs = {f"attr{i}": f"value of attribute {i}" for i in range(10)}
    counts = {f"count{i}": i * 1000 for i in range(10)}
    return {"id": 7, "title": "order 7 for the benchmark", "owner": make_small(), "items": items,
            "attrs": attrs, "counts": counts}


def make_blob():
    return {"id": 1, "data": bytes(((i * 31 + 7) & 255) for i in range(BLOB_BYTES))}


def make_shape(shape):
    return {"small": make_small, "nested": make_nested, "blob": make_blob}[shape]()
