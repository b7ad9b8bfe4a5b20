// A C++ program built against the installed package: it hosts demo.hello and calls it directly.
#include <cstdio>

#include "demo_hello.hpp"

class Hello : public demo::hello::Server {
  void greet(std::string name, interop::Reply<std::string> reply) override { reply("hello, " + name); }
};

int main() {
  Hello hello;
  interop::Node node(R"({"node":"demo"})", {hello.module_impl()});
  demo::hello::Client client(node);
  std::string got = node.wait(client.greet("world"));
  std::printf("%s\n", got.c_str());
  return got == "hello, world" ? 0 : 1;
}
