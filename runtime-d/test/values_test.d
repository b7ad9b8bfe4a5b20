/// The D value types generated code declares: defaults, optionals, maps in canonical order,
/// unions, open enums and declared errors, through runtime-c's codecs.
module values_test;

import std.exception : assertThrown;
import rt = interop.runtime;
import v = interop.vectors;

@("values: IDL defaults are the D field initialisers")
unittest {
  v.Defaults d;
  assert(d.count == 7 && d.name == "anon" && d.ratio == 1.5 && d.big == ulong.max);
  assert(d.color == v.Color.RED && d.note.isNull);
}

@("values: a union holds one case; reading another throws; no case does not encode")
unittest {
  auto p = v.Value.point(v.Point(3, 4));
  assert(p.which == v.Value.Case.point && p.point == v.Point(3, 4));
  assertThrown!(rt.InteropError)(p.num);
  assert(cast(string) v.codec.Value.encode(p, rt.Codec.json) == `{"point":{"x":3,"y":4}}`);
  auto items = v.Value.items([v.Value.nothing(), v.Value.num(-7), v.Value.color(cast(v.Color) 7)]);
  assert(v.codec.Value.decode(v.codec.Value.encode(items, rt.Codec.msgpack), rt.Codec.msgpack) == items);
  try {
    v.codec.Value.encode(v.Value.init, rt.Codec.json);
    assert(0, "encoded a union without a case");
  } catch (rt.InteropError e) {
    assert(e.code == rt.Code.invalidArgument, e.msg);
  }
}

@("values: maps encode in canonical key order whatever the associative array's order")
unittest {
  v.MapStr m = ["b": 2, "a": 1, "ab": 3, "": 0];
  assert(cast(string) v.codec.MapStr.encode(m, rt.Codec.json) == `{"":0,"a":1,"ab":3,"b":2}`);
  v.MapI64 n = [long.max: "max", -1: "m", long.min: "min"];
  assert(v.codec.MapI64.decode(v.codec.MapI64.encode(n, rt.Codec.msgpack), rt.Codec.msgpack) == n);
}

@("values: optionals, absent and present, by value and by pointer")
unittest {
  v.Optionals o;
  o.c = v.Point(1, 2);
  o.d = [rt.Nullable!int(5), rt.Nullable!int.init];
  o.e = ["k": rt.Nullable!string.init, "j": rt.nullable("x")];
  auto json = cast(string) v.codec.Optionals.encode(o, rt.Codec.json);
  assert(json == `{"c":{"x":1,"y":2},"d":[5,null],"e":{"j":"x","k":null}}`, json);
  auto back = v.codec.Optionals.decode(cast(const(ubyte)[]) json, rt.Codec.json);
  assert(back == o && back.a.isNull && back.c.get == v.Point(1, 2));
}

@("values: 64-bit integers are exact, enums are open")
unittest {
  v.AllScalars s;
  s.i64v = long.min;
  s.u64v = ulong.max;
  s.color = cast(v.Color) 12345;
  s.text = "héllo";
  s.data = [0, 255];
  auto back = v.codec.AllScalars.decode(v.codec.AllScalars.encode(s, rt.Codec.json), rt.Codec.json);
  assert(back == s && back.i64v == long.min && back.u64v == ulong.max && cast(int) back.color == 12345);
}

@("values: a declared error is an exception class with its fields, and a value of the codecs")
unittest {
  auto f = new v.Failure(42, "too big", rt.nullable(v.Point(1, 2)));
  try {
    throw f;
  } catch (rt.ApplicationError e) {
    assert(e.code == rt.Code.applicationError && e.typeName == "interop.vectors.Failure");
    auto failure = cast(v.Failure) e;
    assert(failure !is null && failure.code_ == 42 && failure.reason == "too big");
  }
  auto back = v.codec.Failure.decode(v.codec.Failure.encode(f, rt.Codec.msgpack), rt.Codec.msgpack);
  assert(back == f && back !is f);
}

@("values: invalid UTF-8 in a string does not encode (INVALID_ARGUMENT)")
unittest {
  v.Str s = cast(string) [cast(ubyte) 0xff, 0xfe];
  try {
    v.codec.Str.encode(s, rt.Codec.msgpack);
    assert(0, "encoded invalid UTF-8");
  } catch (rt.InteropError e) {
    assert(e.code == rt.Code.invalidArgument, e.msg);
    assert(e.msg[0 .. 17] == "INVALID_ARGUMENT:", e.msg);
  }
}

@("values: an optional struct that contains itself is rt.Boxed, and round-trips")
unittest {
  import tree = example.tree;
  tree.LinkedList list = tree.LinkedList(1, rt.Boxed!(tree.LinkedList)(tree.LinkedList(2, rt.Boxed!(tree.LinkedList)(tree.LinkedList(3)))));
  auto json = cast(string) tree.codec.LinkedList.encode(list, rt.Codec.json);
  assert(json == `{"head":1,"tail":{"head":2,"tail":{"head":3}}}`, json);
  auto back = tree.codec.LinkedList.decode(cast(const(ubyte)[]) json, rt.Codec.json);
  assert(back == list && back.tail.get.tail.get.head == 3 && back.tail.get.tail.get.tail.isNull);
  tree.Node child;
  child.name = "child";
  child.parent = tree.Node("root");
  assert(tree.codec.Node.decode(tree.codec.Node.encode(child, rt.Codec.msgpack), rt.Codec.msgpack) == child);
}
