/// Every payload vector of test/vectors/payloads.json through the generated D types: decoded into
/// the D value and encoded again from it, byte for byte, in both codecs and across them;
/// decode-only vectors to their canonical form; reject vectors as an InteropError of their code;
/// the golden protobuf bytes of test/vectors/protobuf.json both ways, and its reject vectors.
module vectors_test;

import std.conv : to;
import std.digest : toHexString, LetterCase;
import std.file : readText;
import std.format : format;
import std.json : JSONValue, parseJSON;
import std.algorithm : endsWith;
import std.string : representation;

import rt = interop.runtime;
import v = interop.vectors;
import paths : repoRoot;

/// Decodes `input` in `from` into the D type and encodes that value in `to`.
alias RoundTrip = immutable(ubyte)[] function(const(ubyte)[] input, rt.Codec from, rt.Codec to);

RoundTrip[string] roundTrips() {
  RoundTrip[string] table;
  static foreach (name; __traits(allMembers, v.codec)) {
    table["interop.vectors." ~ name] = (input, from, to) {
      alias C = __traits(getMember, v.codec, name);
      return C.encode(C.decode(input, from), to);
    };
  }
  return table;
}

immutable(ubyte)[] fromHex(string hex) {
  ubyte[] out_;
  for (size_t i = 0; i + 1 < hex.length; i += 2) out_ ~= hex[i .. i + 2].to!ubyte(16);
  return out_.idup;
}

rt.Codec codecNamed(string name) {
  return name == "json" ? rt.Codec.json : rt.Codec.msgpack;
}

immutable(ubyte)[] input(rt.Codec codec, string text) {
  return codec == rt.Codec.json ? text.representation : fromHex(text);
}

string shown(rt.Codec codec, const(ubyte)[] bytes) {
  return codec == rt.Codec.json ? cast(string) bytes.idup : toHexString!(LetterCase.lower)(bytes).idup;
}

JSONValue payloads() {
  return parseJSON(readText(repoRoot ~ "/test/vectors/payloads.json"));
}

RoundTrip typeOf(RoundTrip[string] table, JSONValue vector) {
  auto p = vector["type"].str in table;
  if (p is null) throw new Exception("no D codec for " ~ vector["type"].str);
  return *p;
}

@("vectors: canonical byte for byte through the D types, both codecs and across them")
unittest {
  auto table = roundTrips();
  string[] failures;
  size_t count;
  foreach (vec; payloads()["vectors"].array) {
    auto rtrip = typeOf(table, vec);
    const text = ["json": vec["json"].str, "msgpack": vec["msgpack"].str];
    foreach (from; [rt.Codec.json, rt.Codec.msgpack]) {
      foreach (to; [rt.Codec.json, rt.Codec.msgpack]) {
        const want = text[to == rt.Codec.json ? "json" : "msgpack"];
        try {
          const got = shown(to, rtrip(input(from, text[from == rt.Codec.json ? "json" : "msgpack"]), from, to));
          if (got != want) failures ~= format("%s (%s → %s): got %s, want %s", vec["name"].str, from, to, got, want);
        } catch (rt.InteropError e) {
          failures ~= format("%s (%s → %s): %s", vec["name"].str, from, to, e.msg);
        }
      }
    }
    count++;
  }
  assert(failures.length == 0, format("%s of %s vectors differ:\n%-(%s\n%)", failures.length, count, failures));
  assert(count > 100);
}

@("vectors: decode-only inputs decode to their canonical form")
unittest {
  auto table = roundTrips();
  string[] failures;
  size_t count;
  foreach (vec; payloads()["decode_only"].array) {
    const codec = codecNamed(vec["codec"].str);
    try {
      const got = shown(codec, typeOf(table, vec)(input(codec, vec["input"].str), codec, codec));
      if (got != vec["canonical"].str) failures ~= format("%s: got %s, want %s", vec["name"].str, got, vec["canonical"].str);
    } catch (rt.InteropError e) {
      failures ~= format("%s: %s", vec["name"].str, e.msg);
    }
    count++;
  }
  assert(failures.length == 0, format("%-(%s\n%)", failures));
  assert(count > 20);
}

@("vectors: rejected inputs fail with their code")
unittest {
  auto table = roundTrips();
  string[] failures;
  size_t count;
  foreach (vec; payloads()["reject"].array) {
    const codec = codecNamed(vec["codec"].str);
    const bytes = "input" in vec ? input(codec, vec["input"].str) : fromHex(vec["input_hex"].str);
    try {
      typeOf(table, vec)(bytes, codec, codec);
      failures ~= format("%s: decoded, want %s", vec["name"].str, vec["code"].str);
    } catch (rt.InteropError e) {
      if (rt.codeName(e.code) != vec["code"].str) failures ~= format("%s: %s, want %s", vec["name"].str, e.msg, vec["code"].str);
    }
    count++;
  }
  assert(failures.length == 0, format("%-(%s\n%)", failures));
  assert(count > 50);
}

@("vectors: flatbuffers both ways through the D types (the bytes themselves: runtime-c's test_flatbuffers_vectors)")
unittest {
  auto table = roundTrips();
  string[] failures;
  size_t count;
  foreach (vec; payloads()["vectors"].array) {
    auto rtrip = typeOf(table, vec);
    const text = vec["json"].str;
    try {
      const fb = rtrip(text.representation, rt.Codec.json, rt.Codec.flatbuffers);
      const decoded = shown(rt.Codec.json, rtrip(fb, rt.Codec.flatbuffers, rt.Codec.json));
      if (decoded != text) failures ~= format("%s (flatbuffers → json): got %s, want %s", vec["name"].str, decoded, text);
      if (rtrip(fb, rt.Codec.flatbuffers, rt.Codec.flatbuffers) != fb) failures ~= format("%s: flatbuffers not canonical", vec["name"].str);
      count++;
    } catch (rt.InteropError e) {
      // Ordering's field id 536870911 has no FlatBuffers slot (E0703): refused, as in C.
      if (vec["type"].str != "interop.vectors.Ordering") failures ~= format("%s: %s", vec["name"].str, e.msg);
    }
  }
  assert(failures.length == 0, format("%s vectors differ:\n%-(%s\n%)", failures.length, failures));
  assert(count > 150);
}

@("vectors: protobuf golden bytes both ways through the D types, reject vectors with their code and message")
unittest {
  auto table = roundTrips();
  auto golden = parseJSON(readText(repoRoot ~ "/test/vectors/protobuf.json"));
  string[string] json;
  foreach (vec; payloads()["vectors"].array) json[vec["name"].str] = vec["json"].str;
  string[] failures;
  size_t count;
  foreach (vec; golden["vectors"].array) {
    auto rtrip = typeOf(table, vec);
    const hex = vec["protobuf"].str, text = json[vec["name"].str];
    try {
      const encoded = shown(rt.Codec.msgpack, rtrip(text.representation, rt.Codec.json, rt.Codec.protobuf));
      if (encoded != hex) failures ~= format("%s (json → protobuf): got %s, want %s", vec["name"].str, encoded, hex);
      const decoded = shown(rt.Codec.json, rtrip(fromHex(hex), rt.Codec.protobuf, rt.Codec.json));
      if (decoded != text) failures ~= format("%s (protobuf → json): got %s, want %s", vec["name"].str, decoded, text);
    } catch (rt.InteropError e) {
      failures ~= format("%s: %s", vec["name"].str, e.msg);
    }
    count++;
  }
  foreach (vec; golden["reject"].array) {
    try {
      table["interop.vectors." ~ vec["type"].str](fromHex(vec["input"].str), rt.Codec.protobuf, rt.Codec.protobuf);
      failures ~= format("%s: decoded, want %s", vec["name"].str, vec["code"].str);
    } catch (rt.InteropError e) {
      // The message of TypeScript and Python (an alias of a scalar has no name in C: their message's tail).
      if (rt.codeName(e.code) != vec["code"].str || !vec["message"].str.endsWith(e.detail))
        failures ~= format("%s: %s, want %s: %s", vec["name"].str, e.msg, vec["code"].str, vec["message"].str);
    }
  }
  assert(failures.length == 0, format("%s of %s vectors differ:\n%-(%s\n%)", failures.length, count, failures));
  assert(count > 150);
}
