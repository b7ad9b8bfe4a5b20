// Calls through the generated C++ client over a link (two nodes on one loop, a unix socket), in
// every codec (protobuf through the C struct), against the C++ and the C implementation: the arguments are borrowed only while
// the call starts (here they are gone before the answer, on the first call while the link dials
// and on later ones), and a msgpack answer is read straight into the C++ result (ADR 0030), a
// JSON one through the C struct: the same values and declared errors either way.
#include <gtest/gtest.h>
#include <unistd.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "two_nodes.hpp"

namespace {

struct Setup {
  const char *codec;
  bool c_server;  // else the C++ one
};

std::string name_of(const testing::TestParamInfo<Setup> &p) {
  return std::string(p.param.codec) + (p.param.c_server ? "CServer" : "CppServer");
}

class CppLinkCalls : public TwoNodes<Setup> {
 protected:
  void SetUp() override {
    TwoNodes::SetUp();
    if (HasFatalFailure()) return;
    start_linked(GetParam().c_server, std::string(",\"codec\":\"") + GetParam().codec + "\"", "");
  }
  /** Compared as JSON text: a difference shows where it is. */
  static std::string json(const conf::Everything &e) {
    const interop::Bytes b = conf::codec::Everything.encode(e, interop::Codec::json);
    return std::string(b.begin(), b.end());
  }
  static conf::Everything everything() {
    conf::Everything e;
    e.shape = conf::Shape::make<conf::Shape::group>(std::vector<conf::Shape>{conf::Shape::make<conf::Shape::empty>()});
    e.containers.by_level = {{conf::Level::HIGH, conf::Point{1, 2}}};
    e.containers.nested = {{"k", {{-1, {interop::Bytes{0, 255}, interop::Bytes{}}}}}};
    e.optionals.maybe_map = {{"k", std::nullopt}, {"long key, past the small-string buffer", conf::Point{3, 4}}};
    return e;
  }
};

TEST_P(CppLinkCalls, ArgumentsAreBorrowedOnlyWhileTheCallStarts) {
  for (int round = 0; round < 2; round++) {  // the first call waits for the link to dial
    SCOPED_TRACE(round);
    std::future<conf::Everything> e;
    std::future<std::string> s;
    {
      auto arg = std::make_unique<conf::Everything>(everything());
      auto text = std::make_unique<std::string>("h\xc3\xa9llo, a string longer than the small-string buffer");
      e = client_->echo_everything(*arg);
      s = client_->echo_string(*text);
      arg->shape = conf::Shape::make<conf::Shape::empty>();  // changed, then gone, before any answer
      text->assign(text->size(), 'x');
    }
    const interop::Bytes got = conf::codec::Everything.encode(client_node_->wait(std::move(e)), interop::Codec::json);
    EXPECT_EQ(std::string(got.begin(), got.end()), json(everything()));
    EXPECT_EQ(client_node_->wait(std::move(s)), "h\xc3\xa9llo, a string longer than the small-string buffer");
  }
  EXPECT_EQ(client_node_->wait(client_->echo_i64(std::numeric_limits<std::int64_t>::min())), std::numeric_limits<std::int64_t>::min());
  client_node_->wait(client_->nothing());
}

TEST_P(CppLinkCalls, DeclaredErrorsAndCallbacksAsDirect) {
  try {
    client_node_->wait(client_->fail("invalid"));
    FAIL() << "no error";
  } catch (const conf::Invalid &e) {
    EXPECT_EQ(e.field, "kind");
    EXPECT_EQ(e.limit, std::numeric_limits<std::int64_t>::min());
  }
  std::int64_t sum = 0;
  bool called = false;
  client_->add(40, 2, [&](std::future<std::int64_t> f) {
    called = true;
    sum = f.get();
  });
  while (!called) client_node_->run_once();
  EXPECT_EQ(sum, 42);
}

INSTANTIATE_TEST_SUITE_P(Codecs, CppLinkCalls,
                         testing::Values(Setup{"msgpack", false}, Setup{"msgpack", true}, Setup{"json", false}, Setup{"json", true},
                                         Setup{"protobuf", false}, Setup{"protobuf", true}),
                         name_of);

}  // namespace
