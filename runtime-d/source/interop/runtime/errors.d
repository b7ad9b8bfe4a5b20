/// Errors: every failure is an InteropError carrying a code of docs/wire.md §4.1; a declared IDL
/// error is a generated class deriving from ApplicationError, thrown and caught by its own type.
module interop.runtime.errors;

import std.string : fromStringz;
import interop.runtime.c;

/// The codes of docs/wire.md §4.1.
enum Code : uint {
  ok = 0,
  cancelled = 1,
  unknown = 2,
  invalidArgument = 3,
  deadlineExceeded = 4,
  notFound = 5,
  permissionDenied = 7,
  resourceExhausted = 8,
  unimplemented = 12,
  internal = 13,
  unavailable = 14,
  unauthenticated = 16,
  schemaMismatch = 100,
  applicationError = 101,
  protocolError = 102,
}

/// The wire name of a code: "INVALID_ARGUMENT" for 3 ("UNKNOWN" for a code not in the table).
string codeName(uint code) nothrow @trusted {
  return interop_code_name(code).fromStringz.idup;
}

/// The base of every error the runtime and generated code throw. `msg` reads
/// "INVALID_ARGUMENT: circle: expected a number, …"; `code` is the wire code.
class InteropError : Exception {
  immutable uint code;
  /// The message without the code in front of it.
  immutable string detail;

  this(uint code, string detail, string file = __FILE__, size_t line = __LINE__) @safe nothrow {
    this.code = code;
    this.detail = detail;
    super(codeName(code) ~ ": " ~ detail, file, line);
  }
}

/// A declared IDL error (code APPLICATION_ERROR): generated error classes derive from it.
class ApplicationError : InteropError {
  /// The qualified IDL name of the error: "example.chat.RateLimited".
  immutable string typeName;

  this(string typeName, string detail = "", string file = __FILE__, size_t line = __LINE__) @safe nothrow {
    this.typeName = typeName;
    super(Code.applicationError, detail.length ? detail : typeName, file, line);
  }

  /// The C type descriptor of the generated error class (null for an error this side does not
  /// declare), and its fields as that C value in `arena` (generated classes override both).
  const(interop_type)* interopType() const @safe nothrow { return null; }
  /// ditto
  void* interopDetail(interop_arena* arena) const { return null; }
}

/// An InteropError from what runtime-c reported.
InteropError errorFrom(ref const interop_error err) @trusted {
  auto text = err.message.ptr.fromStringz.idup;
  return new InteropError(err.code, text);
}
