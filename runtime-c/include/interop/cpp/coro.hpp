// C++20 coroutines over the C++ layer's calls (docs/cpp.md "Coroutines"): `co_await` a call.
// Generated headers include this one when compiled as C++20 and give every function of a Client
// a `co_<name>(…)` form returning an interop::Call<R>; C++17 code never sees it.
//
//   interop::Task<std::int64_t> sum(conf::Client client) {
//     std::int64_t a = co_await client.co_add(40, 2);   // resumes on the node's loop thread
//     co_return a + co_await client.co_add(1, 1);
//   }
//   interop::Task<std::int64_t> t = sum(client);
//   std::int64_t s = interop::wait(node, t);            // runs the loop until the task is done
//
// Threads as everywhere in the C++ layer (ADR 0011): a call completes on the loop's thread, so a
// coroutine resumes there; a declared error or interop::Error is thrown by the co_await.
#ifndef INTEROP_CPP_CORO_HPP
#define INTEROP_CPP_CORO_HPP

#include <interop/cpp/node.hpp>

#include <coroutine>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <utility>

namespace interop {

/**
 * A call that was started and can be awaited once: `co_await` gives its result or throws its
 * error. Started when made (its arguments were taken then), so it can be awaited later.
 */
template <class R>
class Call {
 public:
  /** `start(done)` starts the call with the callback form of a generated client function. */
  template <class Start>
  explicit Call(Start start) : state_(std::make_shared<State>()) {
    std::function<void(std::future<R>)> done = [state = state_](std::future<R> f) {
      state->result = std::move(f);
      state->ready = true;
      if (state->waiter) std::exchange(state->waiter, {}).resume();
    };
    start(std::move(done));
  }
  bool await_ready() const noexcept { return state_->ready; }
  void await_suspend(std::coroutine_handle<> h) noexcept { state_->waiter = h; }
  R await_resume() { return state_->result.get(); }

 private:
  struct State {
    std::future<R> result;
    std::coroutine_handle<> waiter;
    bool ready = false;
  };
  std::shared_ptr<State> state_;
};

namespace detail {
template <class T>
struct TaskResult {
  std::optional<T> value;
  void return_value(T v) { value = std::move(v); }
  T take() { return std::move(*value); }
};
template <>
struct TaskResult<void> {
  void return_void() noexcept {}
  void take() noexcept {}
};
}  // namespace detail

/**
 * A coroutine returning T: it runs at once, up to its first suspension, and goes on as what it
 * awaits completes. Await it from another Task, or interop::wait(node, task) from plain code.
 * Move-only; destroying it destroys the coroutine (do not while it waits for a call).
 */
template <class T = void>
class Task {
 public:
  struct promise_type : detail::TaskResult<T> {
    std::exception_ptr error;
    std::coroutine_handle<> continuation;
    Task get_return_object() { return Task(std::coroutine_handle<promise_type>::from_promise(*this)); }
    std::suspend_never initial_suspend() noexcept { return {}; }
    auto final_suspend() noexcept {
      struct Final {
        bool await_ready() noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
          std::coroutine_handle<> next = h.promise().continuation;
          return next ? next : std::noop_coroutine();
        }
        void await_resume() noexcept {}
      };
      return Final{};
    }
    void unhandled_exception() noexcept { error = std::current_exception(); }
  };

  Task(Task &&o) noexcept : h_(std::exchange(o.h_, {})) {}
  Task &operator=(Task &&o) noexcept {
    if (this != &o) {
      if (h_) h_.destroy();
      h_ = std::exchange(o.h_, {});
    }
    return *this;
  }
  Task(const Task &) = delete;
  Task &operator=(const Task &) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  bool done() const noexcept { return h_.done(); }
  /** The result (once done()), or the exception the coroutine ended with. */
  T get() {
    if (h_.promise().error) std::rethrow_exception(h_.promise().error);
    return h_.promise().take();
  }

  bool await_ready() const noexcept { return h_.done(); }
  void await_suspend(std::coroutine_handle<> c) noexcept { h_.promise().continuation = c; }
  T await_resume() { return get(); }

 private:
  explicit Task(std::coroutine_handle<promise_type> h) : h_(h) {}
  std::coroutine_handle<promise_type> h_;
};

/** Runs `node`'s loop until `task` is done; its result, or its exception. */
template <class T>
T wait(Node &node, Task<T> &task) {
  while (!task.done()) node.run_once(true);
  return task.get();
}

}  // namespace interop

#endif
