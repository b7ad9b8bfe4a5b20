// The handlers of interop.conformance that do more than echo (conformance_impl.hpp).
#include "conformance_impl.hpp"

#include <limits>
#include <memory>
#include <uv.h>

namespace conformance_cpp {

void Impl::fail(std::string kind, interop::Reply<std::string> reply) {
  if (kind == "not_found") throw conf::NotFound("missing");
  if (kind == "invalid") return reply.fail(conf::Invalid("kind", "bad", std::numeric_limits<std::int64_t>::min()));
  if (kind == "busy") throw conf::Busy(std::numeric_limits<std::uint32_t>::max());
  if (kind == "internal") throw std::runtime_error("a plain C++ failure");
  reply(kind);
}

namespace {

/** A call of slow(): answered from a timer on the node's loop, or cancelled with the call. */
struct SlowCall {
  uv_timer_t timer;
  std::uint32_t ms;
  interop::Reply<std::uint32_t> reply;
  SlowCall(std::uint32_t m, interop::Reply<std::uint32_t> r) : timer(), ms(m), reply(std::move(r)) {}
  void close() {
    uv_close(reinterpret_cast<uv_handle_t *>(&timer), [](uv_handle_t *h) { delete static_cast<SlowCall *>(h->data); });
  }
};

}  // namespace

void Impl::slow(std::uint32_t ms, interop::Reply<std::uint32_t> reply) {
  auto *s = new SlowCall(ms, reply);
  uv_timer_init(static_cast<uv_loop_t *>(interop_node_loop(node())), &s->timer);
  s->timer.data = s;
  uv_timer_start(&s->timer, [](uv_timer_t *t) {
    auto *call = static_cast<SlowCall *>(t->data);
    call->reply(call->ms);
    call->close();
  }, ms, 0);
  reply.on_cancel([s] {
    uv_timer_stop(&s->timer);
    s->reply.fail(interop::Error(interop::Code::cancelled, "cancelled"));
    s->close();
  });
}

void Impl::publish(std::uint32_t count, std::string text, interop::Reply<void> reply) {
  conf::Publisher events(node());
  for (std::uint32_t n = 1; n <= count; n++) events.ticked(conf::Tick{n, text});
  events.pinged();
  reply();
}

}  // namespace conformance_cpp
