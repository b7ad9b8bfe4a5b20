// The C++ layer of libinterop (docs/cpp.md, ADR 0022): C++17, header-only, over the C API of
// interop.h. Include this one header; generated C++ code includes it.
#ifndef INTEROP_INTEROP_HPP
#define INTEROP_INTEROP_HPP

#include <interop/interop.h>
#include <interop/cpp/error.hpp>
#include <interop/cpp/values.hpp>
#include <interop/cpp/node.hpp>
#include <interop/cpp/stream.hpp>
#include <interop/cpp/hash.hpp>

#endif
