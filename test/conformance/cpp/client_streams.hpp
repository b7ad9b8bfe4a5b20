// The stream cases of the C++ conformance client (client_streams.cpp) and what they share with
// the other cases (client.cpp).
#ifndef CONFORMANCE_CLIENT_STREAMS_HPP
#define CONFORMANCE_CLIENT_STREAMS_HPP

#include <cjson/cJSON.h>

#include <string>

#include "conformance_impl.hpp"

namespace conformance_cpp {

/** A string member of a JSON object ("" when absent). */
std::string str(const cJSON *o, const char *key);
/** Throws a failure unless `e` is the error the case wants ({code, type, detail}). */
void expect_error(const cJSON *want_error, const interop::Error &e);
/** Runs a stream case (kinds client_stream, server_stream, ping_pong, ticks, cancel_by_caller,
 * flood); false when `kind` is none of them. Throws a failure. */
bool run_stream_case(interop::Node &node, const cJSON *c, const std::string &kind);

}  // namespace conformance_cpp

#endif
