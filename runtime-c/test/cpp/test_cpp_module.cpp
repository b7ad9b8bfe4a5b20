// A C++ module library (mix/left.cpp) and a C module library (mix/right.c) in one interop-node,
// calling each other directly; this test's node reaches both over stdio (interop-node is its
// plugin) with the same generated C++ client. twice() answers with the peer it saw: the test's
// node name over the plugin link, "" for the direct calls between the two libraries.
#include <gtest/gtest.h>

#include <string>

#include "mix_left.hpp"
#include "mix_right.hpp"

namespace {

std::string config(const char *codec) {
  const std::string plugin_config = R"({\"node\":\"mix\",\"modules\":[\"mix.left\",\"mix.right\"],\"stdio\":true})";
  return std::string(R"({"node":"tester","modules":[],"plugins":[{"command":[")") + INTEROP_NODE + R"(","--config",")" +
         plugin_config + R"(",")" + MIX_LEFT_LIBRARY + R"(",")" + MIX_RIGHT_LIBRARY + R"("],"codec":")" + codec +
         R"(","modules":["mix.left","mix.right"]}]})";
}

class CppModule : public ::testing::TestWithParam<const char *> {};

TEST_P(CppModule, CppAndCModulesCallEachOtherDirectly) {
  const std::string cfg = config(GetParam());
  interop::Node node(cfg.c_str());
  mix::left::Client left(node);
  mix::right::Client right(node);

  mix::left::Twice l = node.wait(left.twice(4));
  EXPECT_EQ(l.value, 8);
  EXPECT_EQ(l.peer, "tester");  // across the plugin link
  mix::right::Twice r = node.wait(right.twice(5));
  EXPECT_EQ(r.value, 10);
  EXPECT_EQ(r.peer, "tester");

  // C++ -> C and C -> C++ inside interop-node: direct, so the callee sees no peer.
  mix::left::Twice via_left = node.wait(left.relay(21));
  EXPECT_EQ(via_left.value, 42);
  EXPECT_EQ(via_left.peer, "");
  mix::right::Twice via_right = node.wait(right.relay(-3));
  EXPECT_EQ(via_right.value, -6);
  EXPECT_EQ(via_right.peer, "");
}

INSTANTIATE_TEST_SUITE_P(Codecs, CppModule, ::testing::Values("json", "msgpack"));

}  // namespace
