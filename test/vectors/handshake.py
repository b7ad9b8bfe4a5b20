"""Handshake vectors for make_vectors.py: HELLO and WELCOME payloads carrying compatibility tables
(docs/wire.md §2), and the verdicts of the comparison rule (§2.2), written straight from docs/ir.md
("Compatibility tables") and docs/wire.md, independently of the compiler and the runtimes.

The two versions of the mixed-version test module, test/evolution/v1.interop and v2.interop, are
mirrored by hand in V1 and V2 below; test/compiler/compat.test.ts checks that the compiler writes
exactly the tables this file derives from them. Keep the three in step.
"""

from __future__ import annotations

import json
import re

M = "interop.evolution"
FP1 = "sha256:" + "1" * 64  # stand-ins: the vectors pin the payloads, not the fingerprint algorithm
FP2 = "sha256:" + "2" * 64


def q(name: str) -> str:
    return f"{M}.{name}"


# A schema: types by qualified name, as ("struct" | "error", [(id, name, canonical type)]),
# ("enum", [(name, value)]) or ("union", [(id, name, canonical type or None)]); functions as
# (kind, params, result or None, [thrown error]); events as their payload type or None.
V1 = {
    "types": {
        q("Color"): ("enum", [("RED", 1), ("GREEN", 2)]),
        q("Note"): ("struct", [(1, "text", "string")]),
        q("Measure"): ("struct", [(1, "value", "i32")]),
        q("Tick"): ("struct", [(1, "n", "u32")]),
        q("TooBig"): ("error", [(1, "limit", "i32")]),
    },
    "functions": {
        "ping": ("call", [(1, "text", "string")], "string", []),
        "echo_note": ("call", [(1, "note", q("Note"))], q("Note"), []),
        "paint": ("call", [(1, "color", q("Color"))], q("Color"), []),
        "favorite": ("call", [], q("Color"), []),
        "measure": ("call", [(1, "m", q("Measure"))], q("Measure"), []),
        "legacy": ("call", [], "string", []),
        "check": ("call", [(1, "n", "i32")], "i32", [q("TooBig")]),
        "tick": ("call", [(1, "n", "u32")], None, []),
    },
    "events": {"ticked": q("Tick")},
}

V2 = {
    "types": {
        q("Color"): ("enum", [("RED", 1), ("GREEN", 2), ("BLUE", 3)]),
        q("Note"): ("struct", [(1, "text", "string"), (2, "tag", "optional<string>")]),
        q("Measure"): ("struct", [(1, "value", "string")]),
        q("Tick"): ("struct", [(1, "n", "u32"), (2, "label", "optional<string>")]),
        q("TooBig"): ("error", [(1, "limit", "i32")]),
        q("TooSmall"): ("error", [(1, "limit", "i32")]),
    },
    "functions": {
        "ping": V1["functions"]["ping"],
        "echo_note": V1["functions"]["echo_note"],
        "paint": V1["functions"]["paint"],
        "favorite": V1["functions"]["favorite"],
        "measure": V1["functions"]["measure"],
        "check": ("call", [(1, "n", "i32")], "i32", [q("TooBig"), q("TooSmall")]),
        "tick": V1["functions"]["tick"],
        "extra": ("call", [], "string", []),
    },
    "events": {"ticked": q("Tick"), "flashed": q("Color")},
}


# ---- compatibility tables (docs/ir.md) --------------------------------------------------------

def names_in(type_text: str, schema) -> list[str]:
    """The declared types a canonical type string names."""
    return [w for w in re.findall(r"[A-Za-z_][A-Za-z0-9_.]*", type_text) if w in schema["types"]]


def required(type_text: str, schema) -> bool:
    """A struct or union by value: a reader cannot make it up when it is missing."""
    decl = schema["types"].get(type_text)
    return decl is not None and decl[0] in ("struct", "union")


def add_fields(entry, fields, schema) -> None:
    for fid, name, t in fields:
        side = entry["must"] if required(t, schema) else entry["may"]
        side[f"#{fid}"] = f"{name}:{t}"
        side[f".{name}"] = f"#{fid}"


def describe_type(decl, schema):
    entry = {"must": {}, "may": {}}
    kind, members = decl
    if kind in ("struct", "error"):
        add_fields(entry, members, schema)
    elif kind == "enum":
        for name, value in members:
            entry["may"][f"#{value}"] = name
            entry["may"][f".{name}"] = f"#{value}"
    else:
        for cid, name, t in members:
            entry["must"][f"#{cid}"] = name if t is None else f"{name}:{t}"
            entry["must"][f".{name}"] = f"#{cid}"
    return entry


def uses(roots: list[str], schema) -> list[str]:
    seen: set[str] = set()
    todo = [n for r in roots for n in names_in(r, schema)]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        kind, members = schema["types"][name]
        if kind in ("struct", "error", "union"):
            todo += [n for m in members if m[2] is not None for n in names_in(m[2], schema)]
    return sorted(seen)


def table(schema):
    functions, events, used = {}, {}, set()
    for name, (kind, params, result, throws) in schema["functions"].items():
        entry = {"must": {"kind": kind}, "may": {}}
        if result is not None:
            entry["must"]["result"] = result
        add_fields(entry, params, schema)
        for error in throws:
            entry["may"][f"!{error}"] = error
        entry["uses"] = uses([t for _, _, t in params] + ([result] if result else []) + throws, schema)
        used.update(entry["uses"])
        functions[name] = entry
    for name, payload in schema["events"].items():
        entry = {"must": {} if payload is None else {"payload": payload}, "may": {}}
        entry["uses"] = uses([payload] if payload else [], schema)
        used.update(entry["uses"])
        events[name] = entry
    return {"functions": functions, "events": events,
            "types": {name: describe_type(schema["types"][name], schema) for name in sorted(used)}}


# ---- the comparison rule (docs/wire.md §2.2) ------------------------------------------------

def text_of(entry, key):
    return entry["must"].get(key, entry["may"].get(key))


def quoted(text) -> str:
    return "absent" if text is None else json.dumps(text, ensure_ascii=False)


def first_difference(ours, theirs):
    keys = set(ours["must"]) | set(ours["may"]) | set(theirs["must"]) | set(theirs["may"])
    for key in sorted(keys):  # Python orders str by code point
        a, b = text_of(ours, key), text_of(theirs, key)
        differs = (a != b) if a is not None and b is not None else key in (ours if a is not None else theirs)["must"]
        if differs:
            return f"{key} is {quoted(a)} here, {quoted(b)} on the peer"
    return None


def verdict(kind: str, module: str, name: str, ours, theirs):
    """(code name or None, message or None)."""
    group = "functions" if kind == "function" else "events"
    what = f"{module}.{name}"
    if name not in theirs[group]:
        code = "UNIMPLEMENTED" if kind == "function" else "NOT_FOUND"
        return code, f"{what}: the peer's version of {module} has no {kind} {name}"
    mine, peer = ours[group][name], theirs[group][name]
    difference = first_difference(mine, peer)
    if difference is not None:
        return "SCHEMA_MISMATCH", f"{what}: incompatible with the peer's version: {what} {difference}"
    for t in sorted(set(mine["uses"]) & set(peer["uses"])):
        difference = first_difference(ours["types"][t], theirs["types"][t])
        if difference is not None:
            return "SCHEMA_MISMATCH", f"{what}: incompatible with the peer's version: {t} {difference}"
    return None, None


# ---- the vectors ------------------------------------------------------------------------------

def canonical(doc) -> str:
    """Canonical JSON of a plain document (docs/wire.md §3.1): sorted keys, no whitespace."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tiny(functions=None, events=None, types=None):
    """A hand-made table for the edge cases."""
    return {"functions": functions or {}, "events": events or {}, "types": types or {}}


def fn(must=None, may=None, uses_=()):
    return {"must": {"kind": "call", **(must or {})}, "may": may or {}, "uses": list(uses_)}


def edge_cases():
    """(name, kind, member, ours, theirs, note): tables that pin the corners of the rule."""
    shape1 = {"must": {"#1": "circle:f64", ".circle": "#1"}, "may": {}}
    shape2 = {"must": {"#1": "circle:f64", "#2": "square:f64", ".circle": "#1", ".square": "#2"}, "may": {}}
    return [
        ("a union case only the peer has", "function", "area",
         tiny({"area": fn({"#1": "s:x.Shape", ".s": "#1"}, uses_=["x.Shape"])}, types={"x.Shape": shape1}),
         tiny({"area": fn({"#1": "s:x.Shape", ".s": "#1"}, uses_=["x.Shape"])}, types={"x.Shape": shape2}),
         "a `must` key on one side only: the first such key in code-point order is named"),
        ("keys compare in code-point order", "function", "f",
         tiny({"f": fn(may={"#10": "a:i32", "#9": "b:i32"})}),
         tiny({"f": fn(may={"#10": "a:i64", "#9": "b:i64"})}),
         "\"#10\" sorts before \"#9\": its difference is the one reported"),
        ("a result added", "function", "f", tiny({"f": fn()}), tiny({"f": fn({"result": "string"})}),
         "`result` is a must member: a function without one differs from a function with one"),
        ("a may key on one side only", "function", "f",
         tiny({"f": fn(may={"#1": "a:i32", ".a": "#1"})}), tiny({"f": fn()}),
         "a peer may lack a `may` member: compatible"),
        ("a type only one side uses", "function", "f",
         tiny({"f": fn(may={"#2": "p:optional<x.P>", ".p": "#2"}, uses_=["x.P"])},
              types={"x.P": {"must": {}, "may": {"#1": "v:i32", ".v": "#1"}}}),
         tiny({"f": fn()}),
         "only types in both sides' `uses` are compared"),
        ("one-way against call", "function", "f", tiny({"f": fn()}),
         tiny({"f": {"must": {"kind": "oneway"}, "may": {}, "uses": []}}), "`kind` differs"),
        ("an event payload changed", "event", "e",
         tiny(events={"e": {"must": {"payload": "u32"}, "may": {}, "uses": []}}),
         tiny(events={"e": {"must": {"payload": "u64"}, "may": {}, "uses": []}}), "`payload` differs"),
        ("a function named __proto__ the peer lacks", "function", "__proto__",
         tiny({"__proto__": fn()}), tiny({"f": fn()}),
         "names are plain keys: a runtime must not find `__proto__` in an object's prototype"),
    ]


def handshake_vectors():
    t1, t2 = table(V1), table(V2)
    payloads = []

    def payload(name, kind, doc, note):
        payloads.append({"name": name, "kind": kind, "json": canonical(doc), "note": note})

    payload("hello of a client", "HELLO",
            {"codecs": ["msgpack", "json"], "compat": {}, "node": "app-main", "offers": {}, "protocol": [1],
             "wants": {M: FP2}},
            "a client offers nothing, so it sends no table; `wants` names the version it was built from")
    payload("welcome with the table of another version", "WELCOME",
            {"codecs": ["msgpack", "json"], "compat": {M: t1}, "node": "server-v1", "offers": {M: FP1},
             "protocol": 1, "wants": {}},
            "HELLO wanted interop.evolution with another fingerprint: WELCOME carries the table of its own version")
    payload("welcome of the same version", "WELCOME",
            {"codecs": ["msgpack"], "compat": {}, "node": "server-v2", "offers": {M: FP2}, "protocol": 1,
             "wants": {}},
            "HELLO wanted the very fingerprint offered: no table")
    payload("hello of a parent that offers a module", "HELLO",
            {"codecs": ["json"], "compat": {M: t2}, "node": "parent", "offers": {M: FP2}, "protocol": [1],
             "token": "s3cret", "wants": {}},
            "HELLO carries the table of every module it offers (it cannot know the peer's wants yet)")

    hello = {"codecs": ["json"], "node": "n", "offers": {M: FP1}, "protocol": [1], "wants": {}}
    reject = []

    def bad(name, compat, note):
        reject.append({"name": name, "kind": "HELLO", "json": canonical({**hello, "compat": compat}),
                       "code": "PROTOCOL_ERROR", "note": note})

    bad("compat not an object", [], "`compat` maps module names to tables")
    bad("table without types", {M: {"functions": {}, "events": {}}}, "a table has functions, events and types")
    bad("a member text that is not a string", {M: tiny({"f": {"must": {"kind": 1}, "may": {}, "uses": []}})},
        "member texts are strings")
    bad("a function without uses", {M: tiny({"f": {"must": {"kind": "call"}, "may": {}}})},
        "function and event entries list the types they use")
    bad("uses naming a type not in the table", {M: tiny({"f": fn(uses_=["x.Gone"])})},
        "every type a function or event uses has its entry in `types`")
    bad("uses holding a number", {M: tiny({"f": {"must": {"kind": "call"}, "may": {}, "uses": [1]}})},
        "`uses` is an array of qualified names")

    verdicts = []
    for ours_name, ours, theirs_name, theirs in (("v1", t1, "v2", t2), ("v2", t2, "v1", t1)):
        for kind, group in (("function", "functions"), ("event", "events")):
            for member in ours[group]:
                code, message = verdict(kind, M, member, ours, theirs)
                verdicts.append({"name": f"{ours_name} calls {theirs_name}: {kind} {member}", "kind": kind,
                                 "module": M, "member": member, "ours": ours_name, "theirs": theirs_name,
                                 "code": code, "message": message})
    for name, kind, member, ours, theirs, note in edge_cases():
        code, message = verdict(kind, "x", member, ours, theirs)
        verdicts.append({"name": name, "kind": kind, "module": "x", "member": member, "ours": ours,
                         "theirs": theirs, "code": code, "message": message, "note": note})
    names = [v["name"] for v in payloads + reject + verdicts]
    assert len(names) == len(set(names)), "vector names must be unique"
    return {"tables": {"v1": t1, "v2": t2}, "payloads": payloads, "reject": reject, "verdicts": verdicts}
