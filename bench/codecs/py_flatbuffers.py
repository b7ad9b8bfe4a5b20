"""The FlatBuffers peer of codecs-py: flatc --python code (bench/out/fb, from the .fbs that
`interopc gen --lang fbs` writes for bench/schema/shapes.interop; bench/generate.sh) over the PyPI
`flatbuffers` package. encode builds the shape with its Builder; decode reads every field into a
dict (what our codec's decode gives); `one_field` reads only `id`, FlatBuffers' zero-copy case.
Returns None without the package or the generated code."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "out", "fb"))


def _small(b, v, m):
    name = b.CreateString(v["name"])
    m.Small.Start(b)
    m.Small.AddId(b, v["id"])
    m.Small.AddName(b, name)
    m.Small.AddActive(b, v["active"])
    m.Small.AddScore(b, v["score"])
    m.Small.AddDelta(b, v["delta"])
    return m.Small.End(b)


def _offsets(b, start, offsets):
    start(b, len(offsets))
    for o in reversed(offsets):
        b.PrependUOffsetTRelative(o)
    return b.EndVector()


def _entries(b, entry, mapping, value_of):
    offsets = []
    for k in sorted(mapping):
        key = b.CreateString(k)
        value = value_of(mapping[k])
        entry.Start(b)
        entry.AddKey(b, key)
        entry.AddValue(b, value)
        offsets.append(entry.End(b))
    return offsets


def _encode(m, shape, v):
    import flatbuffers
    b = flatbuffers.Builder(1024)
    if shape == "small":
        root = _small(b, v, m)
    elif shape == "blob":
        data = b.CreateByteVector(v["data"])
        m.Blob.Start(b)
        m.Blob.AddId(b, v["id"])
        m.Blob.AddData(b, data)
        root = m.Blob.End(b)
    else:
        title = b.CreateString(v["title"])
        owner = _small(b, v["owner"], m)
        items = []
        for it in v["items"]:
            label = b.CreateString(it["label"])
            tags = _offsets(b, m.Item.StartTagsVector, [b.CreateString(t) for t in it["tags"]])
            m.Item.Start(b)
            m.Item.AddId(b, it["id"])
            m.Item.AddLabel(b, label)
            m.Item.AddPrice(b, it["price"])
            m.Item.AddTags(b, tags)
            items.append(m.Item.End(b))
        items_vec = _offsets(b, m.Nested.StartItemsVector, items)
        attrs = _offsets(b, m.Nested.StartAttrsVector, _entries(b, m.MapOfStringToStringEntry, v["attrs"], b.CreateString))
        counts = _offsets(b, m.Nested.StartCountsVector, _entries(b, m.MapOfStringToU32Entry, v["counts"], lambda x: x))
        m.Nested.Start(b)
        m.Nested.AddId(b, v["id"])
        m.Nested.AddTitle(b, title)
        m.Nested.AddOwner(b, owner)
        m.Nested.AddItems(b, items_vec)
        m.Nested.AddAttrs(b, attrs)
        m.Nested.AddCounts(b, counts)
        root = m.Nested.End(b)
    b.Finish(root)
    return bytes(b.Output())


def _read_small(s):
    return {"id": s.Id(), "name": s.Name().decode(), "active": s.Active(), "score": s.Score(), "delta": s.Delta()}


def _decode(m, shape, data):
    if shape == "small":
        return _read_small(m.Small.Small.GetRootAs(data, 0))
    if shape == "blob":
        r = m.Blob.Blob.GetRootAs(data, 0)
        at = r._tab.Offset(6)  # the generated reader has no bytes accessor without numpy: its table's
        start = r._tab.Vector(at)  # own helpers give the vector, sliced as one copy
        return {"id": r.Id(), "data": bytes(r._tab.Bytes[start:start + r._tab.VectorLen(at)])}
    r = m.Nested.Nested.GetRootAs(data, 0)
    items = []
    for i in range(r.ItemsLength()):
        it = r.Items(i)
        items.append({"id": it.Id(), "label": it.Label().decode(), "price": it.Price(),
                      "tags": [it.Tags(j).decode() for j in range(it.TagsLength())]})
    attrs = {}
    for i in range(r.AttrsLength()):
        e = r.Attrs(i)
        attrs[e.Key().decode()] = e.Value().decode()
    counts = {}
    for i in range(r.CountsLength()):
        e = r.Counts(i)
        counts[e.Key().decode()] = e.Value()
    return {"id": r.Id(), "title": r.Title().decode(), "owner": _read_small(r.Owner()), "items": items,
            "attrs": attrs, "counts": counts}


def flatc_python(shape):
    """(name, encode, decode, one_field) or None."""
    try:
        import flatbuffers  # noqa: F401
        from bench.shapes import Blob, Item, MapOfStringToStringEntry, MapOfStringToU32Entry, Nested, Small
    except ImportError:
        return None

    class M:
        pass
    m = M()
    m.Small, m.Item, m.Nested, m.Blob = Small, Item, Nested, Blob
    m.MapOfStringToStringEntry, m.MapOfStringToU32Entry = MapOfStringToStringEntry, MapOfStringToU32Entry
    root = {"small": Small.Small, "nested": Nested.Nested, "blob": Blob.Blob}[shape]
    return ("flatbuffers (PyPI, flatc --python)", lambda v: _encode(m, shape, v), lambda b: _decode(m, shape, b),
            lambda b: root.GetRootAs(b, 0).Id())
