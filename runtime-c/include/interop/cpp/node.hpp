// Nodes, calls, replies and subscriptions of the C++ layer (docs/cpp.md "Nodes and calls"):
// RAII owners of runtime-c's handles, and the machinery generated clients and servers use.
//
// Threads: as in C (ADR 0011), a node and everything it hands out belong to the thread that runs
// its loop. Calls return a std::future completed on that thread: Node::wait(future) runs the loop
// until it is ready (what a program without a loop of its own does); callbacks run on the loop.
#ifndef INTEROP_CPP_NODE_HPP
#define INTEROP_CPP_NODE_HPP

#include <interop/cpp/error.hpp>
#include <interop/cpp/msgpack.hpp>
#include <interop/cpp/values.hpp>
#include <interop/interop.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace interop {

/** A node (node.h): started from a node config, closed by the destructor. Not copyable or movable. */
class Node {
 public:
  /**
   * Starts a node from `config` (node config JSON text, a path to it, or nullptr for the
   * environment variable INTEROP_NODE_CONFIG) with the module implementations the program has
   * (generated servers' module_impl()), on the libuv loop `uv_loop` (a uv_loop_t *) or, by
   * default, a loop of its own. Throws interop::Error when it cannot start.
   */
  explicit Node(const char *config, std::initializer_list<const interop_module_impl *> impls = {}, void *uv_loop = nullptr) {
    std::vector<const interop_module_impl *> list(impls);
    interop_error err;
    check(interop_node_start(config, list.data(), list.size(), uv_loop, &node_, &err), err);
  }
  ~Node() { interop_node_close(node_); }
  Node(const Node &) = delete;
  Node &operator=(const Node &) = delete;

  interop_node *get() const noexcept { return node_; }
  /** Runs the loop until stop(). */
  void run() { interop_node_run(node_); }
  void stop() { interop_node_stop(node_); }
  /** One iteration of the loop (waiting for work when `wait`). */
  void run_once(bool wait = true) { interop_node_run_once(node_, wait); }
  /** Runs the loop until `f` is ready, then returns its value or throws its error. */
  template <class T>
  T wait(std::future<T> &&f) {
    while (f.wait_for(std::chrono::seconds(0)) != std::future_status::ready) interop_node_run_once(node_, true);
    return f.get();
  }
  /** Runs the loop for `ms` milliseconds (events and one-way calls arrive meanwhile). */
  void run_for(std::uint32_t ms) {
    // Polls rather than arming a libuv timer, so this header does not include <uv.h> (and with it
    // <termios.h>, whose macros such as ECHO would clash with IDL names).
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (std::chrono::steady_clock::now() < until) {
      interop_node_run_once(node_, false);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

 private:
  interop_node *node_ = nullptr;
};

/** One event subscription; unsubscribes when destroyed (on the loop thread, before the node closes). */
class Subscription {
 public:
  Subscription() = default;
  Subscription(interop_subscription *sub, std::shared_ptr<void> handler) : sub_(sub), handler_(std::move(handler)) {}
  ~Subscription() { reset(); }
  Subscription(Subscription &&o) noexcept : sub_(o.sub_), handler_(std::move(o.handler_)) { o.sub_ = nullptr; }
  Subscription &operator=(Subscription &&o) noexcept {
    if (this != &o) {
      reset();
      sub_ = o.sub_;
      handler_ = std::move(o.handler_);
      o.sub_ = nullptr;
    }
    return *this;
  }
  Subscription(const Subscription &) = delete;
  Subscription &operator=(const Subscription &) = delete;

  /** Events this subscription discarded because its queue was full (docs/wire.md §5). */
  std::uint64_t dropped() const { return sub_ != nullptr ? interop_subscription_dropped(sub_) : 0; }
  void reset() {
    if (sub_ != nullptr) interop_unsubscribe(sub_);
    sub_ = nullptr;
    handler_.reset();
  }

 private:
  interop_subscription *sub_ = nullptr;
  std::shared_ptr<void> handler_;
};

namespace detail {

/** Maps a failed call's code and error to the exception the caller gets (generated per module). */
using ErrorMapper = std::exception_ptr (*)(int rc, const interop_error &err);
/** Writes the exception a handler raised into `err` (generated per module); returns the code. */
using ErrorWriter = int (*)(std::exception_ptr e, interop_arena *arena, interop_error *err);

inline std::exception_ptr error_ptr(int rc, const interop_error &err) {
  try {
    throw_error(rc, err);
  } catch (...) {
    return std::current_exception();
  }
}

/**
 * Runs a user callback on the loop. An exception it throws has no caller to go to (runtime-c's
 * loop is C): it is reported on stderr and dropped, and the loop goes on.
 */
template <class F, class... A>
void run_callback(F &f, A &&...args) noexcept {
  try {
    f(std::forward<A>(args)...);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "interop: a callback threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "interop: a callback threw something that is not a std::exception\n");
  }
}

/**
 * A call in flight: the caller's arguments (a std::tuple, filled for a direct call only: the
 * callee borrows from them until the call ends; over a link they are encoded at once, ADR 0030),
 * the same as C params, the result, and who waits for it. Over a link, a msgpack answer is read
 * straight into the C++ result (`Tag`, interop/cpp/msgpack.hpp); a JSON one, and a direct
 * call's, come as the C result and are converted.
 */
template <class R, class Args, class CParams, class CResult, class Tag = void>
struct PendingCall {
  using Value = std::conditional_t<std::is_void_v<R>, Unit, R>;
  Args args;
  Arena arena;
  CParams params{};
  CResult result{};
  Value value{};
  bool decoded = false;  // `value` holds the answer (else `result` does)
  const interop_type *result_type = nullptr;
  std::promise<R> promise;
  std::future<R> future = promise.get_future();
  std::function<void(std::future<R>)> callback;
  ErrorMapper errors = nullptr;

  static void done(void *user, int rc, const interop_error *err) {
    std::unique_ptr<PendingCall> self(static_cast<PendingCall *>(user));
    self->finish(rc, err);
  }
  /** interop_answer_decoder: the RESPONSE's payload into `value`. */
  static int decode(void *user, const std::uint8_t *data, std::size_t len, interop_codec codec, std::uint32_t max_depth,
                    interop_error *err) noexcept {
    auto *self = static_cast<PendingCall *>(user);
    try {
      if constexpr (!std::is_void_v<R> && !std::is_void_v<Tag>) {
        if (codec == INTEROP_CODEC_MSGPACK) {
          self->decoded = true;
          return mp::decode<Tag>(data, len, max_depth, self->value, err);
        }
      }
      return interop_decode(self->result_type, data, len, codec, max_depth, self->arena.get(), &self->result, err);
    } catch (const std::bad_alloc &) {
      return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    }
  }
  void finish(int rc, const interop_error *err) {
    if (rc != INTEROP_OK) {
      promise.set_exception(errors(rc, *err));
    } else if constexpr (std::is_void_v<R>) {
      promise.set_value();
    } else {
      if (!decoded) interop_from_c(result, value);
      promise.set_value(std::move(value));
    }
    if (callback) run_callback(callback, std::move(future));
  }
};

/** Starts a call of function `fn` with its C params in `call`; returns its future (empty with a callback). */
template <class P>
auto start(interop_invoker *inv, const interop_module *module, std::uint32_t fn, std::unique_ptr<P> call,
           const interop_call_options &opts, bool has_result) -> std::decay_t<decltype(call->future)> {
  std::decay_t<decltype(call->future)> out;
  if (!call->callback) out = std::move(call->future);
  P *raw = call.get();
  interop_error err{};
  int rc;
  if (interop_invoker_is_direct(inv)) {
    rc = interop_invoke(inv, module, fn, &raw->params, has_result ? &raw->result : nullptr, raw->arena.get(), &opts, &P::done, raw);
  } else {
    raw->result_type = module->functions[fn].result;
    const interop_answer_decoder decoder{&P::decode, raw};
    rc = interop_invoke_decoding(inv, module, fn, &raw->params, has_result ? &decoder : nullptr, raw->arena.get(), &opts,
                                 &P::done, raw);
  }
  if (rc == INTEROP_OK) {
    call.release();  // P::done owns it now
  } else {
    raw->finish(rc, &err);
  }
  return out;
}

/** The invoker of a module on a node (direct when the node hosts it); throws when unreachable. */
inline interop_invoker *invoker(interop_node *node, const interop_module *module) {
  interop_error err;
  interop_invoker *inv = interop_node_invoker(node, module, &err);
  if (inv == nullptr) throw_error(err.code != 0 ? static_cast<int>(err.code) : INTEROP_UNAVAILABLE, err);
  return inv;
}

/** The publisher of a module this node hosts; throws otherwise. */
inline interop_publisher *publisher(interop_node *node, const interop_module *module) {
  interop_error err;
  interop_publisher *pub = interop_node_publisher(node, module, &err);
  if (pub == nullptr) throw_error(err.code != 0 ? static_cast<int>(err.code) : INTEROP_UNAVAILABLE, err);
  return pub;
}

/** Subscribes `handler` (called with the C++ payload) to event `ev` of `module`. */
template <class T, class CPayload>
Subscription subscribe(interop_invoker *inv, const interop_module *module, std::uint32_t ev,
                       std::function<void(const T &)> handler) {
  auto h = std::make_shared<std::function<void(const T &)>>(std::move(handler));
  interop_event_handler on = [](void *user, const void *payload) {
    auto deliver = [&] {
      T value{};
      interop_from_c(*static_cast<const CPayload *>(payload), value);
      (*static_cast<std::function<void(const T &)> *>(user))(value);
    };
    run_callback(deliver);  // a handler that throws: the subscription goes on (docs/wire.md §7)
  };
  interop_subscription *sub = nullptr;
  interop_error err;
  check(interop_subscribe(inv, module, ev, on, h.get(), &sub, &err), err);
  return Subscription(sub, h);
}

/** An event without payload. */
inline Subscription subscribe(interop_invoker *inv, const interop_module *module, std::uint32_t ev,
                              std::function<void()> handler) {
  auto h = std::make_shared<std::function<void()>>(std::move(handler));
  interop_event_handler on = [](void *user, const void *) { run_callback(*static_cast<std::function<void()> *>(user)); };
  interop_subscription *sub = nullptr;
  interop_error err;
  check(interop_subscribe(inv, module, ev, on, h.get(), &sub, &err), err);
  return Subscription(sub, h);
}

}  // namespace detail

namespace detail {

/**
 * What the Reply copies of one call (and its stream's reader and writer) share. runtime-c holds a
 * pointer to it while the call is pending (`keep`), and calls back into it on the loop.
 */
struct CallState {
  interop_call *call = nullptr;
  bool answered = false;
  bool pending = false;  // the handler returned before answering: finish with interop_call_finish
  bool stream = false;   // a stream's call: a cancel also answers it (CANCELLED), after on_cancel's callback
  bool cancel_hooked = false;
  int rc = INTEROP_OK;
  interop_error err{};
  ErrorWriter errors = nullptr;
  // The user's callbacks, dropped once the call is answered (they often hold its Reply or writer).
  std::function<void()> cancel;                              // Reply::on_cancel
  std::function<void()> ready;                               // StreamWriter::on_ready
  std::shared_ptr<std::function<void(const void *)>> item;  // StreamReader::on_items: a C item, nullptr at the end
  std::shared_ptr<CallState> keep;                           // itself while the call is pending
  virtual ~CallState() = default;

  /** Answers with the error `e` (ignored once answered). */
  void fail(std::exception_ptr e) {
    if (answered) return;
    answered = true;
    rc = errors(e, interop_call_arena(call), &err);
    finish();
  }
  /** Hands the answer to runtime-c when the handler has returned already (else serve() returns it). */
  void finish() {
    cancel = nullptr;
    ready = nullptr;
    item.reset();
    if (!pending) return;
    std::shared_ptr<CallState> hold = std::move(keep);
    interop_call_finish(call, rc, rc == INTEROP_OK ? nullptr : &err);
  }
  /** Whether the call is over for this side: answered, cancelled or past its deadline. */
  bool over() const { return answered || interop_call_cancelled(call); }
  /** Listens for a cancel (once per call): on_cancel's callback, then, for a stream, its answer. */
  void hook_cancel() {
    if (cancel_hooked) return;
    cancel_hooked = true;
    interop_call_on_cancel(
        call,
        [](void *arg) {
          auto *state = static_cast<CallState *>(arg);
          std::shared_ptr<CallState> hold = state->keep;  // answering lets go of it
          std::function<void()> cb = std::move(state->cancel);
          if (cb) run_callback(cb);
          if (state->stream) state->fail(error_ptr(INTEROP_CANCELLED, cancelled_error()));
        },
        this);
  }
  static interop_error cancelled_error() {
    interop_error e;
    interop_error_set(&e, INTEROP_CANCELLED, "cancelled");
    return e;
  }
};

}  // namespace detail

/**
 * How a handler answers (generated servers pass one to every handler): call it with the result
 * (no argument for a function without one), now or later on the loop thread, or fail() it with an
 * exception (a declared error type, or an interop::Error with its code; anything else is
 * INTERNAL). Answering twice is ignored. A handler that throws fails the call with what it threw.
 * Every call must be answered: a call whose Reply is dropped unanswered waits for its deadline.
 * A stream's Reply ends the stream: reply() after the last item of a server stream, reply(result)
 * for a client stream's answer (docs/cpp.md "Streams").
 */
template <class R>
class Reply {
 public:
  /** What is sent: R, or interop::Unit for a function without result. */
  using Value = std::conditional_t<std::is_void_v<R>, Unit, R>;
  struct State : detail::CallState {
    std::function<void(const Value &, Arena &)> write;  // the value into the call's C result
  };
  explicit Reply(std::shared_ptr<State> state) : state_(std::move(state)) {}

  void operator()(const Value &value) {
    if (state_->answered) return;
    state_->answered = true;
    try {
      Arena arena(interop_call_arena(state_->call));
      state_->write(value, arena);
      state_->rc = INTEROP_OK;
    } catch (...) {
      state_->rc = state_->errors(std::current_exception(), interop_call_arena(state_->call), &state_->err);
    }
    state_->finish();
  }
  template <class T = R>
  void operator()() {
    static_assert(std::is_void_v<T>, "this function has a result: reply(value)");
    (*this)(Unit{});
  }
  void fail(std::exception_ptr e) { state_->fail(e); }
  template <class E>
  void fail(const E &e) {
    fail(std::make_exception_ptr(e));
  }

  /** The call (module.h): interop_call_peer(reply.call()) is the caller's node, "" when direct. */
  interop_call *call() const { return state_->call; }
  /** Whether this call is over: answered, or the caller cancelled or its deadline passed. */
  bool cancelled() const { return state_->over(); }
  /** Milliseconds before the caller's deadline (UINT32_MAX without one). */
  std::uint32_t remaining_ms() const { return interop_call_remaining_ms(state_->call); }
  /**
   * Runs `cb` once, on the loop, when the call is cancelled or its deadline passes. A stream is
   * answered CANCELLED right after `cb` (a call is not: answer it, or let it go).
   */
  void on_cancel(std::function<void()> cb) {
    state_->cancel = std::move(cb);
    state_->hook_cancel();
  }
  /** For the generated code and the stream reader and writer. */
  const std::shared_ptr<State> &state() const { return state_; }

 private:
  std::shared_ptr<State> state_;
};

namespace detail {

/**
 * The body of every generated handler adapter: runs the handler, then answers now or later. A
 * stream's call listens for its cancel from the start (the stream is answered CANCELLED then).
 */
template <class R, class F>
int serve(interop_call *call, ErrorWriter errors, std::function<void(const typename Reply<R>::Value &, Arena &)> write,
          interop_error *err, F &&handler, bool stream = false) {
  auto state = std::make_shared<typename Reply<R>::State>();
  state->call = call;
  state->write = std::move(write);
  state->errors = errors;
  state->stream = stream;
  if (stream) state->hook_cancel();
  Reply<R> reply(state);
  try {
    handler(reply);
  } catch (...) {
    reply.fail(std::current_exception());
  }
  if (!state->answered) {
    state->pending = true;
    state->keep = state;
    return INTEROP_PENDING;
  }
  if (state->rc != INTEROP_OK) *err = state->err;
  return state->rc;
}

/**
 * A msgpack handler's decoder (module.h, ADR 0037): the params struct P of a call, built in the
 * call's arena and read straight from the REQUEST's bytes; nullptr with `err` set (the C
 * decoder's code and message) when they do not decode. Exceptions never cross the ABI.
 */
template <class P>
void *decode_params(interop_call *call, const std::uint8_t *data, std::size_t len, std::uint32_t max_depth,
                    interop_error *err) {
  void *mem = interop_arena_alloc(interop_call_arena(call), sizeof(P), alignof(P));
  if (mem == nullptr) {
    interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
    return nullptr;
  }
  P *p = nullptr;
  int rc;
  try {
    p = new (mem) P();
    rc = mp::decode<mp::Decl<P>>(data, len, max_depth, *p, err);
  } catch (const std::bad_alloc &) {
    rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  }
  if (rc == INTEROP_OK) return p;
  if (p != nullptr) p->~P();
  return nullptr;
}

/** What decode_params returned, destroyed (not freed: the call's arena holds it) at scope end. */
template <class P>
class ArenaOwned {
 public:
  explicit ArenaOwned(const void *p) : p_(static_cast<P *>(const_cast<void *>(p))) {}
  ~ArenaOwned() { p_->~P(); }
  ArenaOwned(const ArenaOwned &) = delete;
  ArenaOwned &operator=(const ArenaOwned &) = delete;
  P *operator->() const { return p_; }

 private:
  P *p_;
};

/**
 * Answers a call served by a msgpack handler with `value` encoded straight (ADR 0037). False when
 * it does not encode: the caller then writes the C result, whose check (direct.c) gives the
 * caller the same INTERNAL error a C handler's bad result gives, and counts it the same.
 */
template <class Tag, class T>
bool answer_msgpack(interop_call *call, const T &value) {
  // Encoded into a buffer the call takes over (interop_call_answer_msgpack_buf): no copy on the
  // way to the connection. It is reserved at the size of this type's last answer on this thread,
  // so an answer costs one allocation of about its size instead of growing from 64 bytes by
  // doubling (a 1 MiB blob: 14 reallocations and their copies).
  thread_local std::size_t last_size = 0;
  Buffer out;
  interop_error err;
  if (!interop_buf_reserve(out.get(), last_size)) return false;
  if (mp::encode<Tag>(value, interop_call_max_depth(call), out.get(), &err) != INTEROP_OK) return false;
  last_size = out.size();
  return interop_call_answer_msgpack_buf(call, out.get()) == INTEROP_OK;
}

/** A declared error thrown by a handler, as runtime-c carries it: its C value in the call's arena. */
template <class E, class C>
int declared_error_to_c(const E &e, const interop_type *type, interop_arena *arena, interop_error *err) {
  Arena a(arena);
  C *detail = a.alloc<C>(1);
  interop_to_c(e, detail, a);
  interop_error_set(err, INTEROP_APPLICATION_ERROR, "%s", e.message().c_str());
  std::snprintf(err->type_name, sizeof err->type_name, "%s", type->name);
  err->type = type;
  err->detail = detail;
  return INTEROP_APPLICATION_ERROR;
}

/** A declared error a call failed with, as the generated exception class. */
template <class E, class C>
std::exception_ptr declared_error_from_c(const interop_error &err) {
  E e;
  interop_from_c(*static_cast<const C *>(err.detail), e);
  return std::make_exception_ptr(e);
}

/** Publishes event `ev` of `module` with a C++ payload (converted, never encoded, for this call only). */
template <class C, class T>
void publish(interop_publisher *pub, const interop_module *module, std::uint32_t ev, const T &payload) {
  Arena arena;
  C c{};
  interop_to_c(payload, &c, arena);
  interop_error err;
  check(interop_publish(pub, module, ev, &c, &err), err);
}
inline void publish(interop_publisher *pub, const interop_module *module, std::uint32_t ev) {
  interop_error err;
  check(interop_publish(pub, module, ev, nullptr, &err), err);
}

/** Sends a one-way call whose C params `params` were filled from the caller's values. */
inline void send_oneway(interop_invoker *inv, const interop_module *module, std::uint32_t fn, const void *params,
                        const interop_call_options &opts) {
  interop_error err;
  check(interop_send_oneway(inv, module, fn, params, &opts, &err), err);
}

/** Writes a handler's exception into `err`: interop::Error keeps its code, anything else is INTERNAL. */
inline int runtime_error_to_c(std::exception_ptr e, interop_error *err) {
  try {
    std::rethrow_exception(e);
  } catch (const Error &x) {
    return interop_error_set(err, static_cast<std::uint32_t>(x.code()), "%s", x.message().c_str());
  } catch (const std::exception &x) {
    return interop_error_set(err, INTEROP_INTERNAL, "%s", x.what());
  } catch (...) {
    return interop_error_set(err, INTEROP_INTERNAL, "a handler threw something that is not a std::exception");
  }
}

}  // namespace detail

}  // namespace interop

/**
 * Makes a module library of a generated server class (ADR 0011, docs/cpp.md "Module libraries"):
 * `INTEROP_CPP_MODULE(MyServer)` in one source file of the library defines the exported
 * interop_module_entry, which hands interop-node the module_impl() of one MyServer.
 */
#define INTEROP_CPP_MODULE(ServerClass)                                                            \
  extern "C" __attribute__((visibility("default"))) const interop_module_impl *interop_module_entry(void) { \
    static ServerClass server;                                                                    \
    return server.module_impl();                                                                   \
  }

#endif
