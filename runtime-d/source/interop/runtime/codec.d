/// Encoding and decoding D values through runtime-c's codecs (docs/wire.md §3): the generated
/// `codec.T` of every declared type is a TypeCodec over the C type descriptor of T.
module interop.runtime.codec;

import interop.runtime.c;
import interop.runtime.errors;
import interop.runtime.values;

/// docs/wire.md §1.2.
enum Codec : int {
  json = 1,
  msgpack = 2,
  protobuf = 3, /// §3.5: the messages of `interopc gen --lang proto`
  flatbuffers = 4, /// §3.6: the tables of `interopc gen --lang fbs`, one canonical layout (ADR 0041)
}

/// The default nesting limit of docs/wire.md §5 (`max_depth`).
enum uint defaultMaxDepth = INTEROP_DEFAULT_MAX_DEPTH;

/// An arena of runtime-c, freed when it goes out of scope.
struct Arena {
  interop_arena raw;
  @disable this(this);
  ~this() @trusted nothrow { interop_arena_free(&raw); }
  interop_arena* ptr() return @trusted nothrow { return &raw; }
}

/// The C value of `v` in `arena` (what direct calls and encoders take).
void* cValue(T)(ref const T v, const(interop_type)* type, ref Arena arena) @trusted {
  void* p = interop_arena_alloc(arena.ptr, type.size, type.align_);
  if (p is null) throw new InteropError(Code.resourceExhausted, "out of memory");
  toC(v, type, p, arena.ptr);
  return p;
}

/// The canonical encoding of `v` (descriptor `type`) in `codec`; checks the value as a decoder
/// would (InteropError INVALID_ARGUMENT, RESOURCE_EXHAUSTED beyond `maxDepth`).
immutable(ubyte)[] encodeAs(T)(ref const T v, const(interop_type)* type, Codec codec, uint maxDepth = defaultMaxDepth) @trusted {
  Arena arena;
  void* c = cValue(v, type, arena);
  interop_buf buf;
  interop_error err;
  scope (exit) interop_buf_free(&buf);
  if (interop_encode(type, c, codec, maxDepth, &buf, &err) != 0) throw errorFrom(err);
  if (buf.failed) throw new InteropError(Code.resourceExhausted, "out of memory");
  return buf.len ? buf.data[0 .. buf.len].idup : [];
}

/// Exactly one value of `type` decoded from `data`; InteropError (INVALID_ARGUMENT,
/// RESOURCE_EXHAUSTED) when it is not one.
T decodeAs(T)(const(ubyte)[] data, const(interop_type)* type, Codec codec, uint maxDepth = defaultMaxDepth) @trusted {
  Arena arena;
  void* c = interop_arena_alloc(arena.ptr, type.size, type.align_);
  if (c is null) throw new InteropError(Code.resourceExhausted, "out of memory");
  interop_error err;
  if (interop_decode(type, data.ptr, data.length, codec, maxDepth, arena.ptr, c, &err) != 0) throw errorFrom(err);
  T v;
  fromC(v, type, c);
  return v;
}

/// The codec of one declared type: `codec.Point.encode(p, Codec.json)`.
template TypeCodec(T, alias descriptor) {
  /// The C type descriptor the generated C code declares for T.
  const(interop_type)* type() @trusted nothrow { return &descriptor; }
  immutable(ubyte)[] encode(const T v, Codec codec, uint maxDepth = defaultMaxDepth) {
    return encodeAs!T(v, type(), codec, maxDepth);
  }
  T decode(const(ubyte)[] data, Codec codec, uint maxDepth = defaultMaxDepth) {
    return decodeAs!T(data, type(), codec, maxDepth);
  }
}
