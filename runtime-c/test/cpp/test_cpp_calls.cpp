// The generated C++ client, server and events in one node (direct: no encoding): a C++ client
// calling the C++ implementation, and calling the C implementation (conformance_impl.c) with the
// same API; declared errors as their classes, deadlines, one-way calls, events with RAII
// subscriptions, and a handler's bad result refused as in C.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

extern "C" {
#include "conformance_impl.h"
}
#include "conformance_impl.hpp"

namespace {

namespace conf = interop::conformance;
using conformance_cpp::Impl;

constexpr const char *kConfig = R"({"node":"cpp-test"})";

TEST(CppCalls, FuturesAndCallbacksReachTheCppServer) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  EXPECT_EQ(node.wait(client.echo_i64(std::numeric_limits<std::int64_t>::min())), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(node.wait(client.echo_string("h\xc3\xa9llo")), "h\xc3\xa9llo");
  conf::Everything e;
  e.shape = conf::Shape::make<conf::Shape::group>(std::vector<conf::Shape>{conf::Shape::make<conf::Shape::empty>()});
  e.containers.by_level = {{conf::Level::HIGH, conf::Point{1, 2}}};
  e.optionals.maybe_map = {{"k", std::nullopt}};
  EXPECT_EQ(node.wait(client.echo_everything(e)), e);
  std::int64_t sum = 0;
  bool called = false;
  client.add(40, 2, [&](std::future<std::int64_t> f) {
    called = true;
    sum = f.get();
  });
  while (!called) node.run_once();
  EXPECT_EQ(sum, 42);
  node.wait(client.nothing());
}

TEST(CppCalls, DeclaredErrorsArriveAsTheirClasses) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  try {
    node.wait(client.fail("invalid"));
    FAIL() << "no error";
  } catch (const conf::Invalid &e) {
    EXPECT_EQ(e.field, "kind");
    EXPECT_EQ(e.limit, std::numeric_limits<std::int64_t>::min());
  }
  EXPECT_THROW(node.wait(client.fail("not_found")), conf::NotFound);
  try {
    node.wait(client.fail("busy"));
    FAIL() << "no error";
  } catch (const conf::Busy &e) {
    EXPECT_EQ(e.retry_ms, std::numeric_limits<std::uint32_t>::max());
  }
  try {
    node.wait(client.fail("internal"));
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::internal);
    EXPECT_EQ(e.message(), "a plain C++ failure");
  }
  try {
    node.wait(client.unimplemented(1));
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::unimplemented) << e.what();
  }
  EXPECT_EQ(node.wait(client.fail("fine")), "fine");
}

TEST(CppCalls, ABadValueIsRefusedBeforeTheHandler) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  try {
    node.wait(client.echo_shape(conf::Shape{}));  // no case
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::invalid_argument) << e.what();
  }
  EXPECT_THROW(node.wait(client.echo_string("\xff")), interop::Error);
}

TEST(CppCalls, DeadlinesAndLaterAnswers) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  EXPECT_EQ(node.wait(client.slow(20)), 20u);
  try {
    node.wait(client.with_timeout(30).slow(5000));
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::deadline_exceeded) << e.what();
  }
}

TEST(CppCalls, OnewayCallsAndEvents) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  client.note("remember me");
  std::string last;
  for (int i = 0; i < 100 && last != "remember me"; i++) {
    last = node.wait(client.last_note());
    if (last != "remember me") node.run_for(10);
  }
  EXPECT_EQ(last, "remember me");

  std::vector<conf::Tick> ticks;
  int pings = 0;
  {
    interop::Subscription a = client.on_ticked([&](const conf::Tick &t) { ticks.push_back(t); });
    interop::Subscription b = client.on_pinged([&] { pings++; });
    node.wait(client.publish(3, "t"));
    for (int i = 0; i < 100 && (pings == 0 || ticks.size() < 3); i++) node.run_for(10);
    EXPECT_EQ(ticks, (std::vector<conf::Tick>{{1, "t"}, {2, "t"}, {3, "t"}}));
    EXPECT_EQ(pings, 1);
    EXPECT_EQ(a.dropped(), 0u);
  }
  // Unsubscribed when the subscriptions went out of scope.
  node.wait(client.publish(2, "u"));
  node.run_for(30);
  EXPECT_EQ(ticks.size(), 3u);
  EXPECT_EQ(pings, 1);
}

TEST(CppCalls, AnEventHandlerThatThrowsKeepsItsSubscription) {
  Impl impl;
  interop::Node node(kConfig, {impl.module_impl()});
  conf::Client client(node);
  std::vector<std::uint32_t> seen;
  auto sub = client.on_ticked([&](const conf::Tick &t) {
    seen.push_back(t.n);
    if (t.n == 1) throw std::runtime_error("the first tick is refused");
  });
  node.wait(client.publish(3, "x"));
  for (int i = 0; i < 100 && seen.size() < 3; i++) node.run_for(10);
  EXPECT_EQ(seen, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(CppCalls, TheSameClientCallsTheCImplementation) {
  static interop_conformance_server c_server;
  static conformance_state state;
  conformance_server_init(&c_server, &state);
  {
    interop::Node node(kConfig, {&c_server.module_impl});
    state.node = node.get();
    state.publisher = interop_node_publisher(node.get(), &interop_conformance_module, nullptr);
    conf::Client client(node);
    conf::Scalars s;
    s.u64v = std::numeric_limits<std::uint64_t>::max();
    s.text = "from C++ to C";
    EXPECT_EQ(node.wait(client.echo_scalars(s)), s);
    try {
      node.wait(client.fail("not_found"));
      FAIL() << "no error";
    } catch (const conf::NotFound &e) {
      EXPECT_EQ(e.key, "missing");
    }
    std::vector<std::uint32_t> seen;
    auto sub = client.on_ticked([&](const conf::Tick &t) { seen.push_back(t.n); });
    node.wait(client.publish(2, "c"));
    for (int i = 0; i < 100 && seen.size() < 2; i++) node.run_for(10);
    EXPECT_EQ(seen, (std::vector<std::uint32_t>{1, 2}));
  }
  conformance_state_free(&state);
}

}  // namespace
