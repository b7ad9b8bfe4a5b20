/// Hostile input through the D layer (as runtime-c, runtime-python and runtime-ts test it): what a
/// peer can send ends in a typed InteropError, never a crash, a hang or an unbounded allocation.
module hostile_test;

import std.array : replicate;
import std.random : Random, uniform;
import rt = interop.runtime;
import v = interop.vectors;

uint codeOf(void delegate() f) {
  try {
    f();
  } catch (rt.InteropError e) {
    return e.code;
  }
  return rt.Code.ok;
}

@("hostile: nesting beyond max_depth is RESOURCE_EXHAUSTED, in every codec")
unittest {
  string deep = `{"label":"x","children":[`.replicate(100) ~ `]}`.replicate(100);
  assert(codeOf({ v.codec.Tree.decode(cast(const(ubyte)[]) deep, rt.Codec.json); }) == rt.Code.resourceExhausted);
  ubyte[] lists = (cast(ubyte[]) [0x91]).replicate(200) ~ 0x90; // list<list<...>> 200 deep
  assert(codeOf({ v.codec.Matrix.decode(lists, rt.Codec.msgpack); }) != rt.Code.ok);
  // And the encoder refuses to write what the peer could not read.
  v.Tree t = v.Tree("leaf");
  foreach (i; 0 .. 100) t = v.Tree("n", [t]);
  assert(codeOf({ v.codec.Tree.encode(t, rt.Codec.msgpack); }) == rt.Code.resourceExhausted);
  assert(codeOf({ v.codec.Tree.encode(t, rt.Codec.protobuf); }) == rt.Code.resourceExhausted);
  // protobuf: Tree.children (field 2) holding the next level: 64 levels decode, 65 do not.
  ubyte[] nested = [0x12, 0x00];
  foreach (i; 1 .. 64) nested = cast(ubyte[]) [0x12, cast(ubyte) nested.length] ~ nested;
  assert(codeOf({ v.codec.Tree.decode(nested, rt.Codec.protobuf); }) == rt.Code.ok);
  ubyte[] deeper = cast(ubyte[]) [0x12, 0x80, 0x01] ~ nested; // a length of 128
  assert(codeOf({ v.codec.Tree.decode(deeper, rt.Codec.protobuf); }) == rt.Code.resourceExhausted);
}

@("hostile: a length prefix beyond the input is RESOURCE_EXHAUSTED, without allocating it")
unittest {
  // array32 of 4 billion items, a str32 of 4 GiB, a map32: with no bytes behind them.
  assert(codeOf({ v.codec.Ints.decode(cast(ubyte[]) [0xdd, 0xff, 0xff, 0xff, 0xff], rt.Codec.msgpack); }) == rt.Code.resourceExhausted);
  assert(codeOf({ v.codec.Str.decode(cast(ubyte[]) [0xdb, 0xff, 0xff, 0xff, 0xff, 0x61], rt.Codec.msgpack); }) == rt.Code.resourceExhausted);
  assert(codeOf({ v.codec.MapStr.decode(cast(ubyte[]) [0xdf, 0xff, 0xff, 0xff, 0xff], rt.Codec.msgpack); }) == rt.Code.resourceExhausted);
  // protobuf: a 2 GiB string and a 2^63 length (ten-byte varint), with nothing behind them.
  assert(codeOf({ v.codec.Str.decode(cast(ubyte[]) [0x0a, 0x80, 0x80, 0x80, 0x80, 0x08], rt.Codec.protobuf); }) == rt.Code.resourceExhausted);
  assert(codeOf({ v.codec.Bin.decode(cast(ubyte[]) [0x0a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], rt.Codec.protobuf); }) == rt.Code.resourceExhausted);
}

@("hostile: truncated, trailing and mistyped input is INVALID_ARGUMENT")
unittest {
  assert(codeOf({ v.codec.Point.decode(cast(const(ubyte)[]) `{"x":1,"y":`, rt.Codec.json); }) == rt.Code.invalidArgument);
  assert(codeOf({ v.codec.Point.decode(cast(const(ubyte)[]) `{"x":1,"y":2} {}`, rt.Codec.json); }) == rt.Code.invalidArgument);
  assert(codeOf({ v.codec.Point.decode(cast(const(ubyte)[]) `{"x":"1","y":2}`, rt.Codec.json); }) == rt.Code.invalidArgument);
  assert(codeOf({ v.codec.I8.decode(cast(const(ubyte)[]) `128`, rt.Codec.json); }) == rt.Code.invalidArgument);
  assert(codeOf({ v.codec.Str.decode(cast(ubyte[]) [0xa2, 0xc3, 0x28], rt.Codec.msgpack); }) == rt.Code.invalidArgument);
  assert(codeOf({ v.codec.Point.decode([], rt.Codec.msgpack); }) == rt.Code.invalidArgument);
}

@("hostile: random bytes never crash a decoder (typed error or a value that re-encodes)")
unittest {
  auto rnd = Random(20261207);
  foreach (i; 0 .. 3000) {
    auto bytes = new ubyte[uniform(0, 40, rnd)];
    foreach (ref b; bytes) b = cast(ubyte) uniform(0, 256, rnd);
    foreach (codec; [rt.Codec.json, rt.Codec.msgpack]) {
      try {
        auto value = v.codec.Value.decode(bytes, codec);
        v.codec.Value.encode(value, codec);
        auto all = v.codec.AllScalars.decode(bytes, codec);
        v.codec.AllScalars.encode(all, codec);
      } catch (rt.InteropError e) {
        assert(e.code == rt.Code.invalidArgument || e.code == rt.Code.resourceExhausted, e.msg);
      }
    }
  }
}
