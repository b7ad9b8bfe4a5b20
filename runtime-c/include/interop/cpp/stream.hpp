// Streams of the C++ layer (docs/cpp.md "Streams", docs/wire.md §1.5): what a stream handler gets
// (StreamReader for the caller's items, StreamWriter for its own, next to its Reply) and what a
// caller gets (interop::Stream, an RAII owner of runtime-c's interop_stream). Flow control is
// runtime-c's: a writer is told when the caller has granted no credit, a reader grants credit
// back as it takes items, a caller's write waits for credit and its next() for an item.
#ifndef INTEROP_CPP_STREAM_HPP
#define INTEROP_CPP_STREAM_HPP

#include <interop/cpp/node.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace interop {

/** What StreamWriter::send did. */
enum class Send {
  sent,  // the item went out
  full,  // the caller granted no credit for it: nothing was sent; send it again from on_ready
  over,  // the stream is over (answered, cancelled, deadline, connection lost): stop producing
};

/**
 * The items a stream handler sends (a server stream). Copies share one stream. Use it on the
 * node's loop thread until the handler's Reply ends the stream.
 */
template <class T>
class StreamWriter {
 public:
  using SendItem = int (*)(interop_call *call, const T &item, interop_error *err);
  StreamWriter(std::shared_ptr<detail::CallState> state, SendItem send) : state_(std::move(state)), send_(send) {}

  /**
   * Sends one item. An item that is not a value of its type (invalid UTF-8, a union without a
   * case, ...) ends the stream: the caller gets INTERNAL, and this returns Send::over.
   */
  Send send(const T &item) {
    if (state_->over()) return Send::over;
    interop_error err{};
    int rc = send_(state_->call, item, &err);
    if (rc == INTEROP_OK) return Send::sent;
    if (rc == INTEROP_PENDING) return Send::full;
    state_->fail(detail::error_ptr(rc, err));  // the stream ended there; runtime-c still wants its finish
    return Send::over;
  }
  /** Runs `cb` once, on the loop, when send() may send again (after it returned Send::full). */
  void on_ready(std::function<void()> cb) {
    state_->ready = std::move(cb);
    interop_call_on_ready(
        state_->call,
        [](void *arg) {
          auto *state = static_cast<detail::CallState *>(arg);
          std::shared_ptr<detail::CallState> hold = state->keep;
          std::function<void()> ready = std::move(state->ready);
          if (ready && !state->answered) detail::run_callback(ready);
        },
        state_.get());
  }

 private:
  std::shared_ptr<detail::CallState> state_;
  SendItem send_;
};

/**
 * The items the caller sends to a stream handler (a client stream). Copies share one stream.
 */
template <class T>
class StreamReader {
 public:
  using ReadItem = T (*)(const void *c_item);
  StreamReader(std::shared_ptr<detail::CallState> state, ReadItem read) : state_(std::move(state)), read_(read) {}

  /**
   * Takes the items: `item(value)` for each in order, then `end()` once when the caller ended its
   * input. Items that arrived before are delivered now. An item counts as taken when `item`
   * returns (credit goes back to the caller as items are taken). A callback that throws ends the
   * stream with what it threw, as a handler that throws.
   */
  void on_items(std::function<void(T)> item, std::function<void()> end) {
    ReadItem read = read_;
    detail::CallState *state = state_.get();
    state_->item = std::make_shared<std::function<void(const void *)>>([state, read, item = std::move(item), end = std::move(end)](const void *c) {
      if (state->answered) return;
      try {
        if (c != nullptr) item(read(c));
        else if (end) end();
      } catch (...) {
        state->fail(std::current_exception());
      }
    });
    interop_call_on_item(
        state_->call,
        [](void *arg, const void *c) {
          auto *state = static_cast<detail::CallState *>(arg);
          std::shared_ptr<detail::CallState> hold = state->keep;
          std::shared_ptr<std::function<void(const void *)>> item = state->item;  // answering drops it
          if (item) (*item)(c);
        },
        state);
  }

 private:
  std::shared_ptr<detail::CallState> state_;
  ReadItem read_;
};

/**
 * A call of a stream function, from the caller's side (generated clients return one): write()
 * the input items and end() them, take the output items with next(), and finish() for the end
 * (a client stream's answer). These wait by running the node's loop, as Node::wait does: use
 * them on the loop's thread, not inside a handler. Destroying a stream that was not finished
 * cancels it (CANCEL: the callee's handler is told). Errors are thrown as by calls: a declared
 * error as its class. Not copyable; movable.
 *
 * In is the type of the items the caller sends (void: none), Out of those it receives (void:
 * none), R of the answer (void: none).
 */
template <class In, class Out, class R>
class Stream {
 public:
  using InValue = std::conditional_t<std::is_void_v<In>, Unit, In>;
  using OutValue = std::conditional_t<std::is_void_v<Out>, Unit, Out>;
  using Result = std::conditional_t<std::is_void_v<R>, Unit, R>;
  /** How the generated code converts this function's items and answer (C types underneath). */
  struct Ops {
    int (*write)(interop_stream *s, const InValue &item, interop_error *err);
    int (*next)(interop_stream *s, OutValue &item, interop_error *err);
    int (*finish)(interop_stream *s, Result &result, interop_error *err);
    detail::ErrorMapper errors;
  };

  Stream(interop_stream *s, const Ops *ops) : s_(s), ops_(ops) {}
  ~Stream() { cancel(); }
  Stream(Stream &&o) noexcept : s_(o.s_), ops_(o.ops_) { o.s_ = nullptr; }
  Stream &operator=(Stream &&o) noexcept {
    if (this != &o) {
      cancel();
      s_ = o.s_;
      ops_ = o.ops_;
      o.s_ = nullptr;
    }
    return *this;
  }
  Stream(const Stream &) = delete;
  Stream &operator=(const Stream &) = delete;

  /**
   * Sends one input item, waiting for the callee's credit. false: the callee answered already and
   * wants no more items (finish() gives its answer). An item that is not a value of its type is
   * INVALID_ARGUMENT (thrown) and ends the stream.
   */
  template <class T = In>
  bool write(const InValue &item) {
    static_assert(!std::is_void_v<T>, "this stream has no input items");
    interop_error err{};
    int rc = ops_->write(live(), item, &err);
    if (rc == INTEROP_DONE) return false;
    if (rc != INTEROP_OK) std::rethrow_exception(ops_->errors(rc, err));
    return true;
  }
  /** Ends the input items (finish() does it too). */
  template <class T = In>
  void end() {
    static_assert(!std::is_void_v<T>, "this stream has no input items");
    interop_error err{};
    int rc = interop_stream_end(live(), &err);
    if (rc != INTEROP_OK) std::rethrow_exception(ops_->errors(rc, err));
  }
  /**
   * The next output item, waiting for it; std::nullopt after the last one when the callee ended
   * well. Throws the callee's error after the items before it, or a local end (deadline, cancel,
   * lost connection) at once.
   */
  template <class T = Out>
  std::optional<OutValue> next() {
    static_assert(!std::is_void_v<T>, "this stream has no output items");
    OutValue item{};
    interop_error err{};
    int rc = ops_->next(live(), item, &err);
    if (rc == INTEROP_DONE) return std::nullopt;
    if (rc != INTEROP_OK) std::rethrow_exception(ops_->errors(rc, err));
    return item;
  }
  /**
   * Ends the input if it is still open, waits for the end of the stream and returns the answer (a
   * client stream's result) or throws its error. Read the output to its end first: items nobody
   * takes hold the callee at its credit (to stop early, cancel()).
   */
  R finish() {
    Result result{};
    interop_error err{};
    int rc = ops_->finish(live(), result, &err);
    s_ = nullptr;  // freed by runtime-c
    if (rc != INTEROP_OK) std::rethrow_exception(ops_->errors(rc, err));
    if constexpr (!std::is_void_v<R>) return result;
  }
  /** Cancels the stream (the callee's handler is told) unless it was finished; then it is over. */
  void cancel() noexcept {
    if (s_ != nullptr) interop_stream_cancel(s_);
    s_ = nullptr;
  }
  /** runtime-c's stream (client.h), until finish() or cancel(). */
  interop_stream *get() const noexcept { return s_; }

 private:
  interop_stream *live() const {
    if (s_ == nullptr) throw Error(Code::cancelled, "the stream was finished or cancelled");
    return s_;
  }
  interop_stream *s_;
  const Ops *ops_;
};

namespace detail {

/** Item and answer conversions of Stream::Ops, per C type (instantiated by generated code). */
template <class T, class C>
int stream_write(interop_stream *s, const T &item, interop_error *err) {
  using ::interop::interop_to_c;
  Arena arena;
  C c{};
  interop_to_c(item, &c, arena);
  return interop_stream_send(s, &c, err);
}
template <class T, class C>
int stream_next(interop_stream *s, T &item, interop_error *err) {
  using ::interop::interop_from_c;
  Arena arena;
  C c{};
  int rc = interop_stream_next(s, &c, arena.get(), err);
  if (rc == INTEROP_OK) interop_from_c(c, item);
  return rc;
}
template <class T, class C>
int stream_finish(interop_stream *s, T &result, interop_error *err) {
  using ::interop::interop_from_c;
  Arena arena;
  C c{};
  int rc = interop_stream_finish(s, &c, arena.get(), err);
  if (rc == INTEROP_OK) interop_from_c(c, result);
  return rc;
}
inline int stream_finish_void(interop_stream *s, Unit &, interop_error *err) {
  return interop_stream_finish(s, nullptr, nullptr, err);
}

/** A handler's item into the C item runtime-c sends (the item is only read during the call). */
template <class T, class C>
int send_item(interop_call *call, const T &item, interop_error *err) {
  using ::interop::interop_to_c;
  Arena arena;
  C c{};
  interop_to_c(item, &c, arena);
  return interop_call_send_item(call, &c, err);
}
/** A caller's C item as the handler's C++ value. */
template <class T, class C>
T read_item(const void *c) {
  using ::interop::interop_from_c;
  T value{};
  interop_from_c(*static_cast<const C *>(c), value);
  return value;
}

/** Opens a stream call with its C params (read during the open only). */
template <class In, class Out, class R>
Stream<In, Out, R> open_stream(interop_invoker *inv, const interop_module *module, std::uint32_t fn, const void *params,
                               const interop_call_options &opts, const typename Stream<In, Out, R>::Ops *ops) {
  interop_stream *s = nullptr;
  interop_error err{};
  int rc = interop_stream_open(inv, module, fn, params, &opts, &s, &err);
  if (rc != INTEROP_OK) std::rethrow_exception(ops->errors(rc, err));
  return Stream<In, Out, R>(s, ops);
}

}  // namespace detail

}  // namespace interop

#endif
