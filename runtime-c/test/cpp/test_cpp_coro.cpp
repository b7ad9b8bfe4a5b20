// C++20 coroutines over the generated client (interop/cpp/coro.hpp, docs/cpp.md "Coroutines"):
// `co_await client.co_<fn>(…)` against the C++ implementation in one node (direct) and over a
// unix socket (two nodes on one loop), results in order, a declared error thrown by the co_await,
// a Task awaiting a Task, and a call awaited after it completed. Built with -std=c++20 under g++
// and clang++ (runtime-c/test.sh builds both).
#include <gtest/gtest.h>
#include <unistd.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "conformance_impl.hpp"

#include <uv.h>  // after the generated headers: its <termios.h> macros would clash with IDL names

static_assert(__cplusplus >= 202002L, "this test is C++20");

namespace {

namespace conf = interop::conformance;

interop::Task<std::int64_t> add_twice(conf::Client client, std::int64_t a) {
  std::int64_t once = co_await client.co_add(a, a);
  co_return co_await client.co_add(once, once);
}

interop::Task<std::string> outcomes(conf::Client client) {
  std::string out;
  co_await client.co_nothing();
  out += co_await client.co_echo_string("h\xc3\xa9llo");
  try {
    co_await client.co_fail("not_found");
    out += " no error";
  } catch (const conf::NotFound &) {
    out += " not_found";
  }
  std::int64_t four = co_await add_twice(client, 1);  // a Task awaits a Task
  out += " " + std::to_string(four);
  interop::Call<std::int64_t> early = client.co_add(20, 22);  // started now, awaited later
  co_await client.co_nothing();
  out += " " + std::to_string(co_await early);
  co_return out;
}

class CppCoro : public testing::TestWithParam<bool> {  // over a unix socket, else direct
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    char tmpl[] = "/tmp/interop-cpp-coro-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/s.sock";
    const std::string listen = GetParam() ? R"(,"listen":["unix:)" + sock_ + R"("])" : "";
    server_ = std::make_unique<interop::Node>(("{\"node\":\"server\"" + listen + "}").c_str(),
                                              std::initializer_list<const interop_module_impl *>{impl_.module_impl()}, &loop_);
    if (GetParam())
      client_node_ = std::make_unique<interop::Node>(
          ("{\"node\":\"client\",\"connect\":[{\"address\":\"unix:" + sock_ + "\",\"modules\":[\"interop.conformance\"]}]}").c_str(),
          std::initializer_list<const interop_module_impl *>{}, &loop_);
  }
  void TearDown() override {
    client_node_.reset();
    server_.reset();
    while (uv_loop_close(&loop_) == UV_EBUSY) uv_run(&loop_, UV_RUN_NOWAIT);
    unlink(sock_.c_str());
    rmdir(dir_.c_str());
  }
  interop::Node &node() { return client_node_ ? *client_node_ : *server_; }

  uv_loop_t loop_{};
  std::string dir_, sock_;
  conformance_cpp::Impl impl_;
  std::unique_ptr<interop::Node> server_, client_node_;
};

TEST_P(CppCoro, CoAwaitCallsInOrder) {
  conf::Client client(node());
  interop::Task<std::string> task = outcomes(client);
  EXPECT_FALSE(task.done());  // suspended at its first call
  EXPECT_EQ(interop::wait(node(), task), "h\xc3\xa9llo not_found 4 42");
}

TEST_P(CppCoro, ManyTasksAtOnce) {
  conf::Client client(node());
  std::vector<interop::Task<std::int64_t>> tasks;
  for (std::int64_t i = 0; i < 20; i++) tasks.push_back(add_twice(client, i));
  for (std::int64_t i = 0; i < 20; i++) EXPECT_EQ(interop::wait(node(), tasks[static_cast<std::size_t>(i)]), 4 * i);
}

INSTANTIATE_TEST_SUITE_P(Transports, CppCoro, testing::Values(false, true),
                         [](const testing::TestParamInfo<bool> &p) { return std::string(p.param ? "Unix" : "Direct"); });

}  // namespace
