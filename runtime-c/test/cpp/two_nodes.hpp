// The set-up the C++ link and stream tests share: on one libuv loop, a server node hosting the C++
// or the C conformance module and either a client node linked to it over a unix socket in a fresh
// temp folder, or no client node (the caller then calls the module directly on the server node).
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

extern "C" {
#include "conformance_impl.h"
}
#include "conformance_impl.hpp"

#include <uv.h>  // after the generated headers: its <termios.h> macros would clash with IDL names

namespace conf = interop::conformance;

template <typename Param>
class TwoNodes : public testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    uv_loop_init(&loop_);
    char tmpl[] = "/tmp/interop-cpp-nodes-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    sock_ = dir_ + "/s.sock";
    conformance_server_init(&c_server_, &c_state_);
  }
  /** A server on the unix socket and a client node linked to it. `link_extra` and `node_extra` are
   *  more JSON members (each with its leading comma) of the link and of both node configs. */
  void start_linked(bool c_server, const std::string &link_extra, const std::string &node_extra) {
    server_ = std::make_unique<interop::Node>(("{\"node\":\"server\",\"listen\":[\"unix:" + sock_ + "\"]" + node_extra + "}").c_str(),
                                              std::initializer_list<const interop_module_impl *>{impl(c_server)}, &loop_);
    client_node_ = std::make_unique<interop::Node>(("{\"node\":\"client\",\"connect\":[{\"address\":\"unix:" + sock_ + "\"" + link_extra +
                                                    ",\"modules\":[\"interop.conformance\"]}]" + node_extra + "}").c_str(),
                                                   std::initializer_list<const interop_module_impl *>{}, &loop_);
    started();
  }
  /** One node hosting the module: calls from `client_` are direct. */
  void start_alone(bool c_server, const std::string &node_extra) {
    server_ = std::make_unique<interop::Node>(("{\"node\":\"one\"" + node_extra + "}").c_str(),
                                              std::initializer_list<const interop_module_impl *>{impl(c_server)}, &loop_);
    started();
  }
  void TearDown() override {
    client_.reset();
    client_node_.reset();
    server_.reset();
    while (uv_loop_close(&loop_) == UV_EBUSY) uv_run(&loop_, UV_RUN_NOWAIT);
    conformance_state_free(&c_state_);
    unlink(sock_.c_str());
    rmdir(dir_.c_str());
  }
  /** The node the client calls through. */
  interop::Node &node() { return client_node_ ? *client_node_ : *server_; }

  uv_loop_t loop_{};
  std::string dir_, sock_;
  conformance_cpp::Impl cpp_server_;
  interop_conformance_server c_server_{};
  conformance_state c_state_{};
  std::unique_ptr<interop::Node> server_, client_node_;
  std::unique_ptr<conf::Client> client_;

 private:
  const interop_module_impl *impl(bool c_server) { return c_server ? &c_server_.module_impl : cpp_server_.module_impl(); }
  void started() {
    c_state_.node = server_->get();
    client_ = std::make_unique<conf::Client>(node());
  }
};
