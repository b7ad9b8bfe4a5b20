// mix.left, a module library in C++ (docs/cpp.md "Module libraries"): twice() answers with the
// peer it was called from; relay() calls mix.right (a C library in the same interop-node) through
// the generated C++ client, directly, and answers later with what it got.
#include "mix_left.hpp"
#include "mix_right.hpp"

namespace {

class Left : public mix::left::Server {
 public:
  void twice(std::int64_t n, interop::Reply<mix::left::Twice> reply) override {
    reply(mix::left::Twice{2 * n, interop_call_peer(reply.call())});
  }
  void relay(std::int64_t n, interop::Reply<mix::left::Twice> reply) override {
    mix::right::Client right(node());
    right.twice(n, [reply](std::future<mix::right::Twice> answer) mutable {
      try {
        mix::right::Twice t = answer.get();
        reply(mix::left::Twice{t.value, t.peer});
      } catch (...) {
        reply.fail(std::current_exception());
      }
    });
  }
};

}  // namespace

INTEROP_CPP_MODULE(Left)
