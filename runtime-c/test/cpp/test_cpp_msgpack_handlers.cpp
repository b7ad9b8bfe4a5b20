// The C++ server's msgpack handlers (ADR 0037): a msgpack REQUEST is decoded straight into the
// handler's C++ values and its reply encoded straight from them, so the checks are the C++
// decoder's and encoder's own. These tests hold them to the C path's semantics:
//  - params that do not decode get the same code and message from the C++ server as from the C
//    server (a client that lies about a function's params sends them, see Lying below);
//  - params left out take their IDL defaults, as through the C struct;
//  - a reply that does not encode gets the same INTERNAL error over a msgpack link as over JSON
//    and as a direct call, where it goes through the C struct and runtime-c's check.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "two_nodes.hpp"

namespace {

/** A copy of the conformance module where function `fn` is sent with the params of `as`. */
struct Lying {
  interop_module module = interop_conformance_module;
  std::vector<interop_function> functions{interop_conformance_module.functions,
                                          interop_conformance_module.functions + interop_conformance_module.functions_count};
  std::uint32_t fn = 0;

  Lying(const char *name, const char *as) {
    const interop_function *as_fn = nullptr;
    for (std::uint32_t i = 0; i < functions.size(); i++) {
      if (std::strcmp(functions[i].name, name) == 0) fn = i;
      if (std::strcmp(functions[i].name, as) == 0) as_fn = &interop_conformance_module.functions[i];
    }
    functions[fn].params = as_fn->params;
    module.functions = functions.data();
  }
};

/** The params of a function without any (an empty struct). */
const unsigned char kNoParams[16] = {};

/** The outcome of one call as "code: message" ("0" for success). */
std::string call_lying(interop::Node &node, const char *name, const char *as, const void *params) {
  Lying lie(name, as);
  interop_error err{};
  interop_invoker *inv = interop_node_invoker(node.get(), &lie.module, &err);
  if (inv == nullptr) return std::string("no invoker: ") + err.message;
  alignas(16) unsigned char result[512] = {};
  interop_arena arena = INTEROP_ARENA_INIT;
  int rc = interop_invoke_sync(inv, &lie.module, lie.fn, params, result, &arena, nullptr, &err);
  interop_arena_free(&arena);
  return rc == INTEROP_OK ? "0" : std::to_string(rc) + ": " + err.message;
}

class MsgpackParams : public TwoNodes<bool> {
 protected:
  /** The outcomes of params the server must refuse, from the C server (true) or the C++ one. */
  std::vector<std::string> refusals(bool c_server) {
    start_linked(c_server, ",\"codec\":\"msgpack\"", "");
    const interop_conformance_echo_i64_params too_big = {std::int64_t{1} << 40};
    const std::uint8_t raw[] = {0xff, 0xfe};
    const interop_conformance_echo_bytes_params bytes = {{raw, sizeof raw}};
    return {
        call_lying(node(), "echo_i32", "echo_i64", &too_big),     // out of range for i32
        call_lying(node(), "echo_string", "echo_bytes", &bytes),  // bin where a str is
        call_lying(node(), "echo_shape", "nothing", kNoParams),   // a required union left out
    };
  }
};

TEST_F(MsgpackParams, RefusedAsTheCServerRefusesThem) {
  const std::vector<std::string> from_c = refusals(true);
  TearDown();
  SetUp();
  const std::vector<std::string> from_cpp = refusals(false);
  ASSERT_EQ(from_c.size(), from_cpp.size());
  for (std::size_t i = 0; i < from_c.size(); i++) {
    SCOPED_TRACE(i);
    EXPECT_EQ(from_cpp[i], from_c[i]);
    EXPECT_EQ(from_cpp[i].rfind(std::to_string(INTEROP_INVALID_ARGUMENT) + ": ", 0), 0u) << from_cpp[i];
  }
}

TEST_F(MsgpackParams, LeftOutParamsTakeTheirDefaultsAsInC) {
  // echo_maybe's param is optional: sent as `nothing`'s (no fields), it is absent on both servers.
  for (bool c_server : {true, false}) {
    SCOPED_TRACE(c_server);
    start_linked(c_server, ",\"codec\":\"msgpack\"", "");
    EXPECT_EQ(call_lying(node(), "echo_maybe", "nothing", kNoParams), "0");
    EXPECT_EQ(node().wait(client_->echo_maybe(std::nullopt)), std::nullopt);
    EXPECT_EQ(node().wait(client_->echo_maybe(7)), 7);
    TearDown();
    SetUp();
  }
}

TEST_F(MsgpackParams, RepliesOfChangingSizesArriveWhole) {
  // A reply's bytes go to runtime-c without a copy, in a buffer reserved at the size of the last
  // reply of that type (node.hpp answer_msgpack): larger, smaller and empty ones one after another
  // arrive whole, and every buffer is freed with its call (LeakSanitizer in the ASan build).
  start_linked(false, ",\"codec\":\"msgpack\"", "");
  for (std::size_t n : {std::size_t{1} << 20, std::size_t{3}, std::size_t{0}, std::size_t{100000}, std::size_t{1} << 20}) {
    SCOPED_TRACE(n);
    interop::Bytes b(n);
    for (std::size_t i = 0; i < n; i++) b[i] = static_cast<std::uint8_t>(i * 7 + n);
    EXPECT_EQ(node().wait(client_->echo_bytes(b)), b);
  }
}

/** Replies that do not encode: a string that is not UTF-8, a union without a case. */
class BadReplies : public conformance_cpp::Impl {
 public:
  void echo_string(std::string, interop::Reply<std::string> reply) override { reply(std::string("ok \xff")); }
  void echo_shape(conf::Shape, interop::Reply<conf::Shape> reply) override { reply(conf::Shape{}); }
};

class MsgpackReplies : public testing::TestWithParam<const char *> {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    char tmpl[] = "/tmp/interop-cpp-replies-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    while (uv_loop_close(&loop_) == UV_EBUSY) uv_run(&loop_, UV_RUN_NOWAIT);
    unlink((dir_ + "/s.sock").c_str());
    rmdir(dir_.c_str());
  }
  /** The errors of the two bad replies, "code: message" each. */
  std::vector<std::string> errors(interop::Node &node) {
    conf::Client client(node);
    std::vector<std::string> out;
    auto catch_error = [&](auto future) {
      try {
        node.wait(std::move(future));
        out.push_back("0");
      } catch (const interop::Error &e) {
        out.push_back(std::to_string(static_cast<int>(e.code())) + ": " + e.message());
      }
    };
    catch_error(client.echo_string("hello"));
    catch_error(client.echo_shape(conf::Shape::make<conf::Shape::empty>()));
    return out;
  }
  uv_loop_t loop_{};
  std::string dir_;
  BadReplies server_;
};

TEST_P(MsgpackReplies, AsADirectCallGetsThem) {
  std::vector<std::string> direct;
  {
    interop::Node one("{\"node\":\"one\"}", {server_.module_impl()}, &loop_);
    direct = errors(one);
  }
  const std::string sock = dir_ + "/s.sock";
  interop::Node server(("{\"node\":\"server\",\"listen\":[\"unix:" + sock + "\"]}").c_str(), {server_.module_impl()}, &loop_);
  interop::Node client(("{\"node\":\"client\",\"connect\":[{\"address\":\"unix:" + sock + "\",\"codec\":\"" + GetParam() +
                        "\",\"modules\":[\"interop.conformance\"]}]}").c_str(),
                       {}, &loop_);
  const std::vector<std::string> linked = errors(client);
  ASSERT_EQ(direct.size(), 2u);
  EXPECT_EQ(linked, direct);
  for (const std::string &e : direct) EXPECT_EQ(e.rfind(std::to_string(INTEROP_INTERNAL) + ": ", 0), 0u) << e;
  // Counted as a handler's error on the server, as for a C handler.
  EXPECT_GE(interop_node_counter(server.get(), INTEROP_HANDLER_ERRORS), 2u);
}

INSTANTIATE_TEST_SUITE_P(Codecs, MsgpackReplies, testing::Values("msgpack", "json"));

}  // namespace
