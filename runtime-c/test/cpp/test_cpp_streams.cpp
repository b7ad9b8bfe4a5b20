// Streams through the generated C++ API (docs/cpp.md "Streams"): a C++ caller against the C++
// handlers (conformance_streams.cpp) and against the C ones (conformance_streams.c), over a unix
// socket (two nodes on one loop, a window of 8 items) and direct (one node hosting the module):
// every direction, the callee's declared error after its items, cancel (explicit and by
// destruction) and deadline reaching the handler, the producer held at the window, a bad item.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "two_nodes.hpp"

namespace {

struct Setup {
  bool unix_socket;  // else direct
  bool c_server;     // else the C++ one
};

std::string name_of(const testing::TestParamInfo<Setup> &p) {
  return std::string(p.param.unix_socket ? "Unix" : "Direct") + (p.param.c_server ? "CServer" : "CppServer");
}

class CppStreams : public TwoNodes<Setup> {
 protected:
  void SetUp() override {
    TwoNodes::SetUp();
    if (HasFatalFailure()) return;
    const std::string limits = R"(,"limits":{"stream_window":8})";
    if (GetParam().unix_socket) start_linked(GetParam().c_server, "", limits);
    else start_alone(GetParam().c_server, limits);
  }
  conf::StreamStats stats() { return node().wait(client_->stream_stats()); }
  /** Wall clock in ms, as the handlers note a cancel. */
  static double now_ms() {
    using namespace std::chrono;
    return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
  }
  /** Runs the loop until a handler noted a cancel at `since` or later (at most 5 s): whether it did. */
  bool handler_cancelled_since(double since) {
    for (int i = 0; i < 500; i++) {
      if (stats().cancelled_at_ms >= since) return true;
      node().run_for(10);
    }
    return false;
  }
};

TEST_P(CppStreams, EveryDirection) {
  // A server stream of 20 items through a window of 8.
  std::vector<std::uint32_t> sizes;
  for (std::uint32_t i = 0; i < 20; i++) sizes.push_back(i);
  auto down = client_->download(sizes);
  for (std::uint32_t i = 0; i < 20; i++) {
    std::optional<interop::Bytes> item = down.next();
    ASSERT_TRUE(item.has_value());
    EXPECT_EQ(item->size(), i);
  }
  EXPECT_FALSE(down.next().has_value());
  down.finish();
  // A client stream of 30 items, answered after their end.
  auto up = client_->upload();
  for (int i = 0; i < 30; i++) EXPECT_TRUE(up.write(interop::Bytes{'a', 'b', 'c'}));
  EXPECT_EQ(up.finish(), 90u);
  // Both ways, strings with non-ASCII text.
  auto pp = client_->ping_pong();
  for (std::string line : {"hi", "h\xc3\xa9", ""}) {
    ASSERT_TRUE(pp.write(line));
    EXPECT_EQ(pp.next(), "pong " + line);
  }
  pp.end();
  EXPECT_FALSE(pp.next().has_value());
  pp.finish();
}

TEST_P(CppStreams, TheCalleesDeclaredErrorComesAfterItsItems) {
  auto s = client_->tick_stream(3, "busy");
  for (std::uint32_t n = 1; n <= 3; n++) EXPECT_EQ(s.next()->n, n);
  try {
    s.next();
    FAIL() << "no error";
  } catch (const conf::Busy &e) {
    EXPECT_EQ(e.retry_ms, 3u);
  }
  auto c = client_->tick_stream(1, "cancel");
  EXPECT_EQ(c.next()->n, 1u);
  try {
    c.next();
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::cancelled) << e.what();
  }
}

TEST_P(CppStreams, CancelAndDestructionReachTheHandler) {
  auto s = client_->tick_stream(2, "hang");
  EXPECT_EQ(s.next()->n, 1u);
  EXPECT_EQ(s.next()->n, 2u);
  double since = now_ms();
  s.cancel();
  EXPECT_TRUE(handler_cancelled_since(since));
  EXPECT_THROW(s.next(), interop::Error);  // over
  {
    auto t = client_->tick_stream(1, "hang");
    EXPECT_EQ(t.next()->n, 1u);
    node().run_for(5);
    since = now_ms();
  }  // destroyed unfinished: cancelled
  EXPECT_TRUE(handler_cancelled_since(since));
}

TEST_P(CppStreams, ADeadlineEndsTheStreamAfterItsItems) {
  const double since = now_ms();
  auto s = client_->with_timeout(1000).tick_stream(2, "hang");  // long enough to read 2 ticks under load
  EXPECT_EQ(s.next()->n, 1u);
  EXPECT_EQ(s.next()->n, 2u);
  try {
    s.next();
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::deadline_exceeded) << e.what();
  }
  EXPECT_TRUE(handler_cancelled_since(since));
}

TEST_P(CppStreams, ACallerThatStopsReadingHoldsTheProducerAtTheWindow) {
  auto s = client_->flood(16, 1 << 20);
  for (int i = 0; i < 3; i++) ASSERT_TRUE(s.next().has_value());
  // The producer runs on as far as credit lets it (a window of 8), then waits: give it time to
  // get there (a loaded machine is slow), then some more to show that it stops.
  for (int i = 0; i < 500 && stats().flood_produced < 3u + 4u; i++) node().run_for(10);
  node().run_for(100);
  const std::uint64_t produced = stats().flood_produced;
  EXPECT_GE(produced, 3u + 4u);
  EXPECT_LE(produced, 3u + 8u);
  for (int i = 0; i < 8; i++) ASSERT_TRUE(s.next().has_value());
}

TEST_P(CppStreams, ABadItemIsRefusedAndEndsTheStream) {
  auto s = client_->ping_pong();
  try {
    s.write("\xff");
    FAIL() << "no error";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::invalid_argument) << e.what();
  }
  EXPECT_EQ(node().wait(client_->echo_i32(7)), 7);  // the node goes on
}

INSTANTIATE_TEST_SUITE_P(Transports, CppStreams,
                         testing::Values(Setup{true, false}, Setup{true, true}, Setup{false, false}, Setup{false, true}), name_of);

}  // namespace
