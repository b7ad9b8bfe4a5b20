// The round-trip contenders of bench/cpp/suite.ts, speaking the JSON-lines protocol of
// bench/harness/child.ts:
//   bench_cpp_child server     a C++ node serving bench.shapes through the generated Server class
//   bench_cpp_child client     a C++ node calling echo<Shape> through the generated Client (futures)
//   bench_cpp_child c-server   the same node with the generated C handlers table (C API)
//   bench_cpp_child c-client   the same calls through the generated C _sync stubs (C API)
// The C pair is built from the same runtime-c, flags and generated C code as the C++ pair, so the
// two rows differ only by the C++ layer. Servers print {"ready":true,"address":…} and serve until
// killed (BENCH_NET=unix|tcp); clients print {"ready":true}, then answer
// {"cmd":"batch","shape":S,"n":N} with {"lat":[ns, …]} (BENCH_ADDRESS).
#include <cjson/cJSON.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <string>
#include <unistd.h>

#include "shapes.hpp"

namespace {

using namespace bench_cpp;

int fail(const std::string &what) {
  std::printf("{\"error\":\"%s\"}\n", what.c_str());
  std::fflush(stdout);
  return 1;
}

/** The node config of a server: listening on a fresh unix socket in $TMPDIR, or on tcp. */
std::string server_config() {
  const char *net = std::getenv("BENCH_NET");
  if (net != nullptr && std::strcmp(net, "tcp") == 0) return R"({"node":"bench-cpp-server","listen":["tcp://127.0.0.1:0"]})";
  const char *tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/interop-bench-cpp-XXXXXX";
  if (mkdtemp(dir.data()) == nullptr) dir = tmp != nullptr ? tmp : "/tmp";
  return R"({"node":"bench-cpp-server","listen":["unix:)" + dir + R"(/s.sock"]})";
}

/** The node config of a client calling bench.shapes at $BENCH_ADDRESS ("unix:PATH" or "tcp:PORT"). */
std::string client_config() {
  const char *a = std::getenv("BENCH_ADDRESS");
  std::string address = a != nullptr ? a : "";
  if (address.rfind("tcp:", 0) == 0 && address.rfind("tcp://", 0) != 0) address = "tcp://127.0.0.1:" + address.substr(4);
  return R"({"node":"bench-cpp-client","connect":[{"address":")" + address + R"(","codec":"msgpack","modules":["bench.shapes"]}]})";
}

int serve(const interop_module_impl *impl) {
  try {
    interop::Node node(server_config().c_str(), {impl});
    std::printf("{\"ready\":true,\"address\":\"%s\"}\n", interop_node_endpoint(node.get(), 0));
    std::fflush(stdout);
    node.run();  // until the harness kills this process
  } catch (const interop::Error &e) {
    return fail(e.what());
  }
  return 0;
}

/** The client loop: `call(shape)` makes one round trip; answers batches until stdin closes. */
int run_client(const std::function<void(const std::string &shape)> &call) {
  std::printf("{\"ready\":true}\n");
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
    cJSON *cmd = cJSON_Parse(line.c_str());
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(cmd, "shape"), *n = cJSON_GetObjectItemCaseSensitive(cmd, "n");
    const std::string s = cJSON_IsString(shape) ? shape->valuestring : "";
    const int count = cJSON_IsNumber(n) ? n->valueint : 0;
    cJSON_Delete(cmd);
    std::string out = "{\"lat\":[";
    try {
      for (int i = 0; i < count; i++) {
        std::uint64_t t0 = now_ns();
        call(s);
        out += (i ? "," : "") + std::to_string(now_ns() - t0);
      }
    } catch (const std::exception &e) {
      fail(e.what());
      continue;
    }
    std::printf("%s]}\n", out.c_str());
    std::fflush(stdout);
  }
  return 0;
}

// ---- C++ ----

class Echo : public shapes::Server {
  void echo_small(shapes::Small v, interop::Reply<shapes::Small> reply) override { reply(v); }
  void echo_nested(shapes::Nested v, interop::Reply<shapes::Nested> reply) override { reply(v); }
  void echo_blob(shapes::Blob v, interop::Reply<shapes::Blob> reply) override { reply(v); }
};

int cpp_client() {
  try {
    interop::Node node(client_config().c_str());
    shapes::Client client(node);
    const shapes::Small small = make_small();
    const shapes::Nested nested = make_nested();
    const shapes::Blob blob = make_blob();
    return run_client([&](const std::string &shape) {
      // The same cheap check as the C client's: the values were decoded in full either way.
      bool same = shape == "small" ? node.wait(client.echo_small(small)).id == small.id
                  : shape == "nested" ? node.wait(client.echo_nested(nested)).items.size() == nested.items.size()
                                      : node.wait(client.echo_blob(blob)).data.size() == blob.data.size();
      if (!same) throw std::runtime_error("the echo differs");
    });
  } catch (const interop::Error &e) {
    return fail(e.what());
  }
}

// ---- C ----

template <class T>
int echo_c(void *, interop_call *, const T *v, T *result, interop_error *) {
  *result = *v;
  return INTEROP_OK;
}

int c_server() {
  static const bench_shapes_handlers handlers = {echo_c<bench_shapes_Small>, echo_c<bench_shapes_Nested>, echo_c<bench_shapes_Blob>, nullptr, nullptr};
  static bench_shapes_server server;
  bench_shapes_server_init(&server, &handlers, nullptr);
  return serve(&server.module_impl);
}

int c_client() {
  try {
    interop::Node node(client_config().c_str());
    interop_error err;
    interop_invoker *inv = interop_node_invoker(node.get(), &bench_shapes_module, &err);
    if (inv == nullptr) return fail(err.message);
    // The C values of the same shapes (converted once, outside the timed calls).
    interop::Arena values;
    using interop::interop_to_c;
    bench_shapes_Small small{};
    bench_shapes_Nested nested{};
    bench_shapes_Blob blob{};
    const shapes::Small s = make_small();
    const shapes::Nested n = make_nested();
    const shapes::Blob b = make_blob();
    interop_to_c(s, &small, values);
    interop_to_c(n, &nested, values);
    interop_to_c(b, &blob, values);
    return run_client([&](const std::string &shape) {
      interop_arena arena = INTEROP_ARENA_INIT;
      bench_shapes_Small rs;
      bench_shapes_Nested rn;
      bench_shapes_Blob rb;
      int rc = shape == "small" ? bench_shapes_echo_small_sync(inv, &small, &rs, &arena, nullptr, &err)
               : shape == "nested" ? bench_shapes_echo_nested_sync(inv, &nested, &rn, &arena, nullptr, &err)
                                   : bench_shapes_echo_blob_sync(inv, &blob, &rb, &arena, nullptr, &err);
      bool same = rc == INTEROP_OK && (shape == "small" ? rs.id == small.id : shape == "nested" ? rn.items.len == nested.items.len : rb.data.len == blob.data.len);
      interop_arena_free(&arena);
      if (!same) throw std::runtime_error(rc != INTEROP_OK ? err.message : "the echo differs");
    });
  } catch (const interop::Error &e) {
    return fail(e.what());
  }
}

}  // namespace

int main(int argc, char **argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  if (role == "server") {
    static Echo echo;
    return serve(echo.module_impl());
  }
  if (role == "client") return cpp_client();
  if (role == "c-server") return c_server();
  if (role == "c-client") return c_client();
  std::fprintf(stderr, "usage: bench_cpp_child server|client|c-server|c-client (bench/cpp/suite.ts runs it)\n");
  return 2;
}
