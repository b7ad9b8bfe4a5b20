/// Between D values and runtime-c's C representation of them (ADR 0029): generated D types are
/// plain D (string, immutable(ubyte)[], slices, associative arrays, Nullable, tagged-union
/// structs, exception classes) whose fields carry their IDL id (@Id); this module walks a D value
/// and the C type descriptor of the generated C code side by side, writing the C value into an
/// arena (strings and bytes borrowed, not copied) or reading one back into D (everything copied
/// into GC memory, so the arena can be freed at once). runtime-c does the wire and every check.
module interop.runtime.values;

import std.traits : isAssociativeArray, isDynamicArray, isSomeString, KeyType, ValueType, Unqual,
  getUDAs, hasUDA, isIntegral, isFloatingPoint;
import std.typecons : Nullable;
import std.range.primitives : ElementType;
import interop.runtime.c;
import interop.runtime.errors;

/// The IDL id of a struct field or a union case, as the generated code declares it: `@Id(3)`.
struct Id {
  uint value;
}

/// Marks a generated tagged union: its first member `which` is the case id (0 = no case), and each
/// case's value is a member with that case's @Id (a unit case holds a Unit).
struct TaggedUnion {}

/// The value of a unit union case.
struct Unit {}

private enum isNullable(T) = is(T : Nullable!U, U) || is(T : Boxed!U, U);

/**
 * An optional struct or union that contains itself (`struct Node { 3: parent?: Node; }`): what
 * Nullable!T cannot hold, since a struct cannot contain itself by value. The same API as Nullable
 * (isNull, get, nullify, assignment of a T); the value lives on the GC heap; equal when both are
 * null or their values are equal.
 */
struct Boxed(T) {
  private T* value;

  this(T v) { opAssign(v); }

  bool isNull() const @safe nothrow { return value is null; }

  ref inout(T) get() inout {
    if (value is null) throw new InteropError(Code.invalidArgument, "get() of an empty " ~ T.stringof);
    return *value;
  }

  void nullify() @safe nothrow { value = null; }

  void opAssign(T v) {
    value = new T;
    *value = v;
  }

  bool opEquals(const Boxed o) const {
    if (value is null || o.value is null) return value is o.value;
    return *value == *o.value;
  }
}
private enum isBytes(T) = is(Unqual!T == immutable(ubyte)[]) || is(Unqual!T == const(ubyte)[]) || is(Unqual!T == ubyte[]);

private const(interop_field)* fieldById(const(interop_type)* t, uint id) nothrow {
  foreach (i; 0 .. t.count)
    if (t.fields[i].id == id) return &t.fields[i];
  return null;
}

private void* alloc(interop_arena* a, size_t size, size_t align_) {
  void* p = interop_arena_alloc(a, size == 0 ? 1 : size, align_ == 0 ? 1 : align_);
  if (p is null) throw new InteropError(Code.resourceExhausted, "out of memory");
  return p;
}

private const(void)* bytesIn(const(void)[] v, interop_arena* a, bool copy) {
  if (!copy || v.length == 0) return v.ptr;
  void* p = alloc(a, v.length, 1);
  p[0 .. v.length] = v[];
  return p;
}

private noreturn mismatch(T)(const(interop_type)* t) {
  throw new InteropError(Code.internal, "D type " ~ T.stringof ~ " does not match its C type descriptor (kind " ~ kindName(t.kind) ~ "): regenerate the D and C code together");
}

private string kindName(ubyte kind) {
  import std.conv : to;
  return kind.to!string;
}

/// Writes the C representation of `v` (of descriptor `t`) at `out_`, allocating what it points to
/// in `a`. The memory at `out_` is zeroed (arena memory is). Strings and bytes point into `v`
/// (borrowed), or with `copy` into copies in `a`: what runtime-c keeps after the D value may be
/// gone (a handler's result, an error's fields) must not point into GC memory nobody holds.
void toC(T)(ref const T v, const(interop_type)* t, void* out_, interop_arena* a, bool copy = false) @system {
  alias U = Unqual!T;
  static if (is(U == bool) || isIntegral!U || isFloatingPoint!U) {
    static if (is(U == enum)) {
      if (t.kind != Kind.enum_) mismatch!T(t);
      *cast(int*) out_ = cast(int) v;
    } else {
      if (t.kind == Kind.enum_ || t.size != U.sizeof) mismatch!T(t);
      *cast(U*) out_ = v;
    }
  } else static if (isSomeString!U) {
    if (t.kind != Kind.string_) mismatch!T(t);
    *cast(interop_str*) out_ = interop_str(cast(const(char)*) bytesIn(v, a, copy), v.length);
  } else static if (isBytes!U) {
    if (t.kind != Kind.bytes) mismatch!T(t);
    *cast(interop_bytes*) out_ = interop_bytes(cast(const(ubyte)*) bytesIn(v, a, copy), v.length);
  } else static if (isNullable!U) {
    if (t.kind != Kind.optional) mismatch!T(t);
    const inner = t.elem;
    if (t.flags & INTEROP_TYPE_BY_POINTER) {
      if (v.isNull) { *cast(void**) out_ = null; return; }
      void* p = alloc(a, inner.size, inner.align_);
      toC(v.get, inner, p, a, copy);
      *cast(void**) out_ = p;
    } else {
      *cast(bool*) out_ = !v.isNull;
      if (!v.isNull) toC(v.get, inner, out_ + t.value_offset, a, copy);
    }
  } else static if (isAssociativeArray!U) {
    if (t.kind != Kind.map) mismatch!T(t);
    auto m = cast(interop_map*) out_;
    m.len = v.length;
    m.keys = alloc(a, t.key.size * v.length, t.key.align_);
    m.values = alloc(a, t.elem.size * v.length, t.elem.align_);
    size_t i = 0;
    foreach (ref k, ref x; v) {  // any order: the encoder writes entries sorted by key
      toC(k, t.key, m.keys + i * t.key.size, a, copy);
      toC(x, t.elem, m.values + i * t.elem.size, a, copy);
      i++;
    }
  } else static if (isDynamicArray!U) {
    if (t.kind != Kind.list) mismatch!T(t);
    auto l = cast(interop_list*) out_;
    l.len = v.length;
    l.items = alloc(a, t.elem.size * v.length, t.elem.align_);
    foreach (i, ref x; v) toC(x, t.elem, l.items + i * t.elem.size, a, copy);
  } else static if (is(U == Unit)) {
  } else static if (hasUDA!(U, TaggedUnion)) {
    if (t.kind != Kind.union_) mismatch!T(t);
    const which = cast(uint) v.which;
    *cast(uint*) out_ = which;  // 0, no case: the encoder answers INVALID_ARGUMENT
    static foreach (i, member; U.tupleof) {
      static if (hasUDA!(member, Id)) {
        if (which == getUDAs!(member, Id)[0].value) {
          const f = fieldById(t, which);
          if (f is null) mismatch!T(t);
          if (f.type !is null) toC(v.tupleof[i], f.type, out_ + f.offset, a, copy);
        }
      }
    }
  } else static if (is(U == struct) || is(U == class)) {
    if (t.kind != Kind.struct_) mismatch!T(t);
    static if (is(U == class))
      if (v is null) throw new InteropError(Code.invalidArgument, T.stringof ~ ": null");
    static foreach (i, member; U.tupleof) {
      static if (hasUDA!(member, Id)) {{
        const f = fieldById(t, getUDAs!(member, Id)[0].value);
        if (f is null) mismatch!T(t);
        toC(v.tupleof[i], f.type, out_ + f.offset, a, copy);
      }}
    }
  } else {
    static assert(0, "interop: no C representation for " ~ T.stringof);
  }
}

/// Reads the C value at `in_` (of descriptor `t`) into `v`, copying everything into GC memory.
void fromC(T)(ref T v, const(interop_type)* t, const(void)* in_) @system {
  alias U = Unqual!T;
  static if (is(U == bool) || isIntegral!U || isFloatingPoint!U) {
    static if (is(U == enum)) {
      if (t.kind != Kind.enum_) mismatch!T(t);
      v = cast(U) *cast(const(int)*) in_;  // open: a value this side does not know is kept
    } else {
      if (t.kind == Kind.enum_ || t.size != U.sizeof) mismatch!T(t);
      v = *cast(const(U)*) in_;
    }
  } else static if (isSomeString!U) {
    if (t.kind != Kind.string_) mismatch!T(t);
    auto s = cast(const(interop_str)*) in_;
    v = s.len ? s.ptr[0 .. s.len].idup : "";
  } else static if (isBytes!U) {
    if (t.kind != Kind.bytes) mismatch!T(t);
    auto b = cast(const(interop_bytes)*) in_;
    v = b.len ? b.ptr[0 .. b.len].idup : [];
  } else static if (isNullable!U) {
    if (t.kind != Kind.optional) mismatch!T(t);
    typeof(U.init.get()) x;
    const(void)* p;
    if (t.flags & INTEROP_TYPE_BY_POINTER) p = *cast(const(void*)*) in_;
    else p = *cast(const(bool)*) in_ ? in_ + t.value_offset : null;
    if (p is null) { v.nullify(); return; }
    fromC(x, t.elem, p);
    v = x;
  } else static if (isAssociativeArray!U) {
    if (t.kind != Kind.map) mismatch!T(t);
    auto m = cast(const(interop_map)*) in_;
    U out_;
    foreach (i; 0 .. m.len) {
      Unqual!(KeyType!U) k;
      Unqual!(ValueType!U) x;
      fromC(k, t.key, m.keys + i * t.key.size);
      fromC(x, t.elem, m.values + i * t.elem.size);
      out_[k] = x;
    }
    v = out_;
  } else static if (isDynamicArray!U) {
    if (t.kind != Kind.list) mismatch!T(t);
    auto l = cast(const(interop_list)*) in_;
    auto items = new Unqual!(ElementType!U)[l.len];
    foreach (i, ref x; items) fromC(x, t.elem, l.items + i * t.elem.size);
    v = items;
  } else static if (is(U == Unit)) {
  } else static if (hasUDA!(U, TaggedUnion)) {
    if (t.kind != Kind.union_) mismatch!T(t);
    const which = *cast(const(uint)*) in_;
    v = U.init;
    v.which = cast(typeof(v.which)) which;
    static foreach (i, member; U.tupleof) {
      static if (hasUDA!(member, Id)) {
        if (which == getUDAs!(member, Id)[0].value) {
          const f = fieldById(t, which);
          if (f is null) mismatch!T(t);
          if (f.type !is null) fromC(v.tupleof[i], f.type, in_ + f.offset);
        }
      }
    }
  } else static if (is(U == struct) || is(U == class)) {
    if (t.kind != Kind.struct_) mismatch!T(t);
    static if (is(U == class)) v = new U();
    static foreach (i, member; U.tupleof) {
      static if (hasUDA!(member, Id)) {{
        const f = fieldById(t, getUDAs!(member, Id)[0].value);
        if (f is null) mismatch!T(t);
        fromC(v.tupleof[i], f.type, in_ + f.offset);
      }}
    }
  } else {
    static assert(0, "interop: no C representation for " ~ T.stringof);
  }
}
