// The stream functions of interop.conformance in C++ (docs/cpp.md "Streams"): each producer is a
// small job that sends while the caller grants credit, waits on StreamWriter::on_ready when it has
// none, and ends the stream through its Reply. A cancel (CANCEL, deadline, lost connection) is
// noted in stream_stats; the stream is then answered by the C++ layer itself.
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>

#include "conformance_impl.hpp"

namespace conformance_cpp {

namespace {

double wall_ms() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

interop::Bytes chunk_bytes(std::size_t size) {
  interop::Bytes data(size);
  for (std::size_t i = 0; i < size; i++) data[i] = static_cast<std::uint8_t>(i % 251);
  return data;
}

/**
 * Sends what `make` produces while the caller grants credit. `make` returns false when it has
 * nothing to send now, else sets the item; `held` keeps an item made and not yet sent.
 */
template <class T>
struct Producer : std::enable_shared_from_this<Producer<T>> {
  interop::StreamWriter<T> out;
  std::function<bool(T &)> make;
  std::function<void()> done;  // after the last item
  std::optional<T> held;
  bool waiting = false;  // for on_ready

  Producer(interop::StreamWriter<T> o, std::function<bool(T &)> m, std::function<void()> d)
      : out(std::move(o)), make(std::move(m)), done(std::move(d)) {}

  void pump() {
    while (!waiting) {
      if (!held) {
        T item{};
        if (!make(item)) return done();
        held = std::move(item);
      }
      interop::Send r = out.send(*held);
      if (r == interop::Send::over) return;
      if (r == interop::Send::full) {
        waiting = true;
        auto self = this->shared_from_this();
        out.on_ready([self] {
          self->waiting = false;
          self->pump();
        });
        return;
      }
      held.reset();
    }
  }
};

template <class T>
void produce(interop::StreamWriter<T> out, std::function<bool(T &)> make, std::function<void()> done) {
  std::make_shared<Producer<T>>(std::move(out), std::move(make), std::move(done))->pump();
}

}  // namespace

void Impl::note_cancel(interop::Reply<void> &reply) {
  reply.on_cancel([this] { stats_.cancelled_at_ms = wall_ms(); });
}

void Impl::upload(interop::StreamReader<interop::Bytes> chunks, interop::Reply<std::uint64_t> reply) {
  auto total = std::make_shared<std::uint64_t>(0);
  chunks.on_items([total](interop::Bytes chunk) { *total += chunk.size(); }, [total, reply]() mutable { reply(*total); });
}

void Impl::download(std::vector<std::uint32_t> sizes, interop::StreamWriter<interop::Bytes> out, interop::Reply<void> reply) {
  note_cancel(reply);
  auto next = std::make_shared<std::size_t>(0);
  produce<interop::Bytes>(
      out,
      [sizes, next](interop::Bytes &item) {
        if (*next == sizes.size()) return false;
        item = chunk_bytes(sizes[(*next)++]);
        return true;
      },
      [reply]() mutable { reply(); });
}

void Impl::ping_pong(interop::StreamReader<std::string> lines, interop::StreamWriter<std::string> out, interop::Reply<void> reply) {
  note_cancel(reply);
  struct Pongs {
    std::deque<std::string> waiting;
    bool ended = false;
  };
  auto pongs = std::make_shared<Pongs>();
  auto producer = std::make_shared<Producer<std::string>>(
      out,
      [pongs](std::string &item) {
        if (pongs->waiting.empty()) return false;
        item = std::move(pongs->waiting.front());
        pongs->waiting.pop_front();
        return true;
      },
      [pongs, reply]() mutable {
        if (pongs->ended) reply();
      });
  lines.on_items(
      [pongs, producer](std::string line) {
        pongs->waiting.push_back("pong " + line);
        producer->pump();
      },
      [pongs, producer] {
        pongs->ended = true;
        producer->pump();
      });
}

void Impl::tick_stream(std::uint32_t count, std::string end, interop::StreamWriter<conf::Tick> out, interop::Reply<void> reply) {
  note_cancel(reply);
  auto n = std::make_shared<std::uint32_t>(0);
  produce<conf::Tick>(
      out,
      [count, n](conf::Tick &t) {
        if (*n == count) return false;
        t = conf::Tick{++*n, std::to_string(static_cast<long long>(wall_ms()))};
        return true;
      },
      [count, end, reply]() mutable {
        if (end == "busy") return reply.fail(conf::Busy(count));
        if (end == "cancel") return reply.fail(interop::Error(interop::Code::cancelled, "the callee stopped after " + std::to_string(count)));
        if (end != "hang") reply();  // "hang": until the caller cancels
      });
}

void Impl::flood(std::uint32_t chunk, std::uint64_t total, interop::StreamWriter<interop::Bytes> out, interop::Reply<void> reply) {
  note_cancel(reply);
  stats_.flood_produced = 0;
  auto sent = std::make_shared<std::uint64_t>(0);
  interop::Bytes data = chunk_bytes(chunk);
  produce<interop::Bytes>(
      out,
      [this, chunk, total, sent, data](interop::Bytes &item) {
        if (*sent >= total) return false;
        stats_.flood_produced++;
        *sent += chunk;
        item = data;
        return true;
      },
      [reply]() mutable { reply(); });
}

void Impl::die_mid_stream(std::uint32_t count, interop::StreamWriter<conf::Tick> out, interop::Reply<void> reply) {
  note_cancel(reply);
  auto n = std::make_shared<std::uint32_t>(0);
  interop_node *node = this->node();
  produce<conf::Tick>(
      out,
      [count, n](conf::Tick &t) {
        if (*n == count) return false;
        t = conf::Tick{++*n, std::to_string(static_cast<long long>(wall_ms()))};
        return true;
      },
      [node] {
        // Let the ticks reach a loaded caller (it discards items not yet taken when the
        // connection is lost: docs/wire.md §1.5), then die as a crash: no GOODBYE, no close.
        auto *timer = new uv_timer_t;
        uv_timer_init(static_cast<uv_loop_t *>(interop_node_loop(node)), timer);
        uv_timer_start(timer, [](uv_timer_t *) { kill(getpid(), SIGKILL); }, 400, 0);
      });
}

}  // namespace conformance_cpp
