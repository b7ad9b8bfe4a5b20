/// The example of docs/d.md "Values and codecs", run by the tests as written there.
module example_test;

import rt = interop.runtime;
import conf = interop.conformance;

@("example: docs/d.md values and codecs")
unittest {
  conf.Optionals o;
  o.point = conf.Point(3, 4);
  o.maybeMap = ["b": rt.nullable(conf.Point(1, 1)), "a": rt.Nullable!(conf.Point).init];
  immutable(ubyte)[] json = conf.codec.Optionals.encode(o, rt.Codec.json);
  assert(cast(string) json == `{"point":{"x":3,"y":4},"maybe_list":[],"maybe_map":{"a":null,"b":{"x":1,"y":1}}}`);
  conf.Optionals back = conf.codec.Optionals.decode(json, rt.Codec.json);
  assert(back == o);

  auto shape = conf.Shape.circle(2.5);           // a union: which case, and its value
  assert(shape.which == conf.Shape.Case.circle && shape.circle == 2.5);

  try {
    conf.codec.Shape.encode(conf.Shape.init, rt.Codec.msgpack);  // no case: does not encode
    assert(0);
  } catch (rt.InteropError e) {
    assert(e.code == rt.Code.invalidArgument);      // e.msg: "INVALID_ARGUMENT: …"
  }
}
