// Errors of the C++ layer (docs/cpp.md "Errors", ADR 0022): every failure is an exception
// deriving from interop::Error, which carries the code of docs/wire.md §4.1. A declared IDL error
// is a generated class deriving from interop::ApplicationError, so `catch (const NotFound &)`
// catches one declared error and `catch (const interop::Error &)` catches everything.
#ifndef INTEROP_CPP_ERROR_HPP
#define INTEROP_CPP_ERROR_HPP

#include <interop/interop.h>

#include <cstdint>
#include <stdexcept>
#include <string>

namespace interop {

/** The codes of docs/wire.md §4.1, as in interop_code. */
enum class Code : std::uint32_t {
  ok = INTEROP_OK,
  cancelled = INTEROP_CANCELLED,
  unknown = INTEROP_UNKNOWN,
  invalid_argument = INTEROP_INVALID_ARGUMENT,
  deadline_exceeded = INTEROP_DEADLINE_EXCEEDED,
  not_found = INTEROP_NOT_FOUND,
  permission_denied = INTEROP_PERMISSION_DENIED,
  resource_exhausted = INTEROP_RESOURCE_EXHAUSTED,
  unimplemented = INTEROP_UNIMPLEMENTED,
  internal = INTEROP_INTERNAL,
  unavailable = INTEROP_UNAVAILABLE,
  unauthenticated = INTEROP_UNAUTHENTICATED,
  schema_mismatch = INTEROP_SCHEMA_MISMATCH,
  application_error = INTEROP_APPLICATION_ERROR,
  protocol_error = INTEROP_PROTOCOL_ERROR,
};

/** "INVALID_ARGUMENT" for Code::invalid_argument (the names of docs/wire.md §4.1). */
inline const char *code_name(Code code) { return interop_code_name(static_cast<std::uint32_t>(code)); }

/** Any failure of the runtime or of a peer: what() is "CODE: message". */
class Error : public std::runtime_error {
 public:
  Error(Code code, const std::string &message)
      : std::runtime_error(std::string(code_name(code)) + ": " + message), code_(code), message_(message) {}
  Code code() const noexcept { return code_; }
  /** The message without the code. */
  const std::string &message() const noexcept { return message_; }

 private:
  Code code_;
  std::string message_;
};

/**
 * The base of every declared error type (generated classes), and what a caller gets for a declared
 * error its side does not know (type_name() says which one it was).
 */
class ApplicationError : public Error {
 public:
  ApplicationError(std::string type_name, const std::string &message)
      : Error(Code::application_error, message.empty() ? type_name : message), type_name_(std::move(type_name)) {}
  /** The qualified IDL name: "example.chat.NotFound". */
  const std::string &type_name() const noexcept { return type_name_; }

 private:
  std::string type_name_;
};

/** Throws the runtime's error (code `rc`, not INTEROP_OK, described by `err`) as an interop::Error. */
[[noreturn]] inline void throw_error(int rc, const interop_error &err) {
  if (rc == INTEROP_APPLICATION_ERROR) throw ApplicationError(err.type_name, err.message);
  throw Error(static_cast<Code>(rc), err.message);
}

/** Throws when rc is not INTEROP_OK: the common tail of every call into runtime-c. */
inline void check(int rc, const interop_error &err) {
  if (rc != INTEROP_OK) throw_error(rc, err);
}

}  // namespace interop

#endif
