/// Nodes, calls, events and servers over runtime-c's node (docs/d.md "Nodes and calls"): a Node
/// owns an interop_node; generated clients call through `invoke`/`callSync`/`sendOneway`/
/// `subscribe`, generated servers are ServerBase subclasses whose handlers runtime-c calls through
/// the module ABI (ADR 0011). Everything runs on the thread that runs the node's loop.
module interop.runtime.node;

import core.memory : GC;
import core.thread : Thread;
import core.time : msecs, MonoTime;
import std.string : fromStringz, toStringz;
import interop.runtime.c;
import interop.runtime.codec : Arena;
import interop.runtime.errors;
import interop.runtime.values : toC, fromC;

/// Maps an error runtime-c reported to the D exception: generated code passes the function that
/// knows its module's declared errors.
alias ErrorMapper = InteropError function(ref const interop_error err);

/// The exception of an error runtime-c reported, for errors no generated class declares.
InteropError plainError(ref const interop_error err) {
  if (err.code == Code.applicationError) {
    auto name = err.type_name.ptr.fromStringz.idup;
    return new ApplicationError(name.length ? name : "unknown", err.message.ptr.fromStringz.idup);
  }
  return errorFrom(err);
}

/// A running node: the modules it hosts, its links and listeners (docs/config.md), on one loop.
final class Node {
  private interop_node* raw_;
  private ServerBase[] servers;

  /// Starts a node from a config (JSON text or a path; null: the INTEROP_NODE_CONFIG environment
  /// variable) with the module implementations this program has.
  this(string config, ServerBase[] servers = []) {
    const(interop_module_impl)*[] impls;
    foreach (s; servers) impls ~= &s.impl;
    interop_error err;
    if (interop_node_start(config is null ? null : config.toStringz, impls.ptr, impls.length, null, &raw_, &err) != 0)
      throw plainError(err);
    this.servers = servers;
  }

  /// The node hosting a server, for its own calls (a module library's node belongs to the host:
  /// close() does nothing on it).
  this(interop_node* hosted) {
    raw_ = hosted;
    borrowed = true;
  }

  private bool borrowed;

  /// The node of runtime-c, for what this layer does not wrap.
  interop_node* raw() @safe nothrow { return raw_; }

  /// Runs the loop until stop().
  void run() { interop_node_run(raw_); }
  void stop() { interop_node_stop(raw_); }
  /// One turn of the loop, waiting for work when `wait`.
  void runOnce(bool wait = true) { interop_node_run_once(raw_, wait); }
  /// Runs the loop for about `ms` milliseconds.
  void runFor(uint ms) {
    const end = MonoTime.currTime + ms.msecs;
    while (MonoTime.currTime < end) {
      interop_node_run_once(raw_, false);
      Thread.sleep(1.msecs);
    }
  }
  /// Closes the node (calls in flight fail with UNAVAILABLE). Also done by the destructor's owner.
  void close() {
    if (raw_ !is null && !borrowed) interop_node_close(raw_);
    raw_ = null;
  }

  /// Runs the loop until the call is done, then returns its result or throws its error.
  R wait(R)(Pending!R call) {
    while (!call.done) interop_node_run_once(raw_, true);
    if (call.error !is null) throw call.error;
    static if (!is(R == void)) return call.value;
  }

  interop_invoker* invoker(const(interop_module)* m) {
    interop_error err;
    auto inv = interop_node_invoker(raw_, m, &err);
    if (inv is null) throw plainError(err);
    return inv;
  }
}

/// The index of function `name` in a module descriptor.
uint functionIndex(const(interop_module)* m, string name) {
  foreach (i; 0 .. m.functions_count)
    if (m.functions[i].name.fromStringz == name) return i;
  throw new InteropError(Code.internal, "no function " ~ name ~ " in " ~ m.name.fromStringz.idup);
}

/// A call in flight: done on the loop thread; `node.wait(call)` runs the loop until then.
final class Pending(R) {
  bool done;
  InteropError error;
  static if (!is(R == void)) R value;
  private Arena arena;
  private void* result;
  private const(interop_type)* resultType;
  private ErrorMapper mapError;
  private Object keep; // the D arguments the C params borrow from
  private void delegate(Pending) whenDone;

  /// Runs `cb` (on the loop thread) when the call is done; at once if it is. The way to use a
  /// call's answer inside a handler, which must not block.
  void then(void delegate(Pending) cb) {
    if (done) cb(this);
    else whenDone = cb;
  }

  /// The result, or the call's error thrown.
  R get() {
    if (error !is null) throw error;
    static if (!is(R == void)) return value;
  }
}

private extern (C) void pendingDone(R)(void* user, int rc, const(interop_error)* err) nothrow {
  auto p = cast(Pending!R) user;
  GC.removeRoot(user);
  try {
    if (rc != 0) p.error = p.mapError(*err);
    else static if (!is(R == void)) fromC(p.value, p.resultType, p.result);
  } catch (Exception e) {
    p.error = new InteropError(Code.internal, e.msg);
  }
  p.done = true;
  p.keep = null;
  destroy(p.arena);
  if (p.whenDone !is null) {
    try p.whenDone(p); catch (Throwable) {}
  }
}

private final class Box(P) {
  P value;
}

/// Starts a call of function `name` of module `m` with the parameters struct `params`.
Pending!R invoke(R, P)(Node node, const(interop_module)* m, uint fnIndex, P params, uint timeoutMs, ErrorMapper mapError) {
  auto p = new Pending!R;
  p.mapError = mapError;
  const fn = &m.functions[fnIndex];
  auto box = new Box!P;
  box.value = params;
  p.keep = box;
  void* cParams = interop_arena_alloc(p.arena.ptr, fn.params.size, fn.params.align_);
  toC(box.value, fn.params, cParams, p.arena.ptr);
  if (fn.result !is null) {
    p.resultType = fn.result;
    p.result = interop_arena_alloc(p.arena.ptr, fn.result.size, fn.result.align_);
  }
  auto opts = interop_call_options(timeoutMs);
  GC.addRoot(cast(void*) p);
  const rc = interop_invoke(node.invoker(m), m, fnIndex, cParams, p.result, p.arena.ptr, &opts, &pendingDone!R, cast(void*) p);
  if (rc != 0) {
    GC.removeRoot(cast(void*) p);
    throw new InteropError(rc, "the call of " ~ fn.name.fromStringz.idup ~ " did not start");
  }
  return p;
}

/// Sends a one-way call.
void sendOneway(P)(Node node, const(interop_module)* m, uint fnIndex, P params, uint timeoutMs) {
  Arena arena;
  const fn = &m.functions[fnIndex];
  void* cParams = interop_arena_alloc(arena.ptr, fn.params.size, fn.params.align_);
  toC(params, fn.params, cParams, arena.ptr);
  auto opts = interop_call_options(timeoutMs);
  interop_error err;
  if (interop_send_oneway(node.invoker(m), m, fnIndex, cParams, &opts, &err) != 0) throw plainError(err);
}

/// One subscription to an event; `unsubscribe()` ends it (do so before the node closes).
final class Subscription {
  private interop_subscription* raw;
  private void delegate(const(void)* payload) deliver;

  void unsubscribe() {
    if (raw is null) return;
    interop_unsubscribe(raw);
    raw = null;
    GC.removeRoot(cast(void*) this);
  }
}

private extern (C) void subscriptionEvent(void* user, const(void)* payload) nothrow {
  auto s = cast(Subscription) user;
  try {
    s.deliver(payload);
  } catch (Throwable) {
    // An event handler's failure is the handler's: it must not unwind into the C loop.
  }
}

/// Subscribes `handler` to event `name` of module `m` (payload type E; void for none).
Subscription subscribe(E)(Node node, const(interop_module)* m, uint index, void delegate(E) handler) {
  const payloadType = m.events[index].payload;
  auto s = new Subscription;
  s.deliver = (const(void)* payload) {
    E value;
    fromC(value, payloadType, payload);
    handler(value);
  };
  return attach(node, m, index, s);
}

/// ditto, for an event without a payload.
Subscription subscribe(Node node, const(interop_module)* m, uint index, void delegate() handler) {
  auto s = new Subscription;
  s.deliver = (const(void)*) { handler(); };
  return attach(node, m, index, s);
}

private Subscription attach(Node node, const(interop_module)* m, uint index, Subscription s) {
  interop_error err;
  GC.addRoot(cast(void*) s);
  if (interop_subscribe(node.invoker(m), m, index, &subscriptionEvent, cast(void*) s, &s.raw, &err) != 0) {
    GC.removeRoot(cast(void*) s);
    throw plainError(err);
  }
  return s;
}

/// Publishes event `name` of module `m`, hosted by `node` (payload borrowed for the call only).
void publish(E)(interop_node* node, const(interop_module)* m, uint index, auto ref const E payload) {
  interop_error err;
  auto pub = interop_node_publisher(node, m, &err);
  if (pub is null) throw plainError(err);
  Arena arena;
  void* c = null;
  static if (!is(E == typeof(null))) {
    const t = m.events[index].payload;
    c = interop_arena_alloc(arena.ptr, t.size, t.align_);
    toC(payload, t, c, arena.ptr);
  }
  if (interop_publish(pub, m, index, c, &err) != 0) throw plainError(err);
}

/// What generated servers derive from: the module implementation runtime-c calls, and the node
/// hosting it once the node has started (for publishing events).
abstract class ServerBase {
  interop_module_impl impl;
  private interop_node* node_;

  protected this(const(interop_module)* m, const(interop_handler)[] handlers) {
    impl.abi_version = INTEROP_ABI_VERSION;
    impl.module_ = m;
    impl.handlers = handlers.ptr;
    impl.impl = cast(void*) this;
    impl.init_ = &serverInit;
    GC.addRoot(cast(void*) this);  // runtime-c holds it; a server lives as long as the program
  }

  /// The node hosting this server (null before the node started).
  interop_node* node() @safe nothrow { return node_; }
}

private extern (C) int serverInit(void* impl, interop_node* node, interop_error* err) nothrow {
  (cast(ServerBase) impl).node_ = node;
  return 0;
}

/// The body of every generated handler: the D parameters from the C ones, the D method, its result
/// into the C result (copied into the call's arena), exceptions into error codes (never unwinding
/// into C): a declared error as itself, an InteropError with its code, anything else INTERNAL.
int serve(S, P, R)(void* impl, interop_call* call, const(void)* params, void* result, interop_error* err,
                   const(interop_module)* m, uint fnIndex, R delegate(S server, ref P params) body) nothrow {
  CallState state;
  try {
    const fn = &m.functions[fnIndex];
    state = CallState(call, result, fn.result);
    current = &state;
    scope (exit) current = null;
    P p;
    fromC(p, fn.params, params);
    static if (is(R == void)) {
      body(cast(S) impl, p);
    } else {
      R r = body(cast(S) impl, p);
      if (state.deferred is null) toC(r, fn.result, result, interop_call_arena(call), true);
    }
    return state.deferred is null ? 0 : state.deferred.settle(err);
  } catch (Throwable e) {
    if (state.deferred !is null) state.deferred.abandon();
    return failed(e, call, err);
  }
}

/// A handler's exception as runtime-c's error: a declared error as itself, an InteropError with
/// its code, anything else INTERNAL.
package int failed(Throwable t, interop_call* call, interop_error* err) nothrow {
  if (auto a = cast(ApplicationError) t) return report(err, a, interop_call_arena(call));
  if (auto i = cast(InteropError) t) return setError(err, i.code, i.detail);
  return setError(err, Code.internal, t.msg);
}

/// The peer's node name of the call the handler is running for ("" for a direct call from this
/// process); only from inside a handler.
string callPeer() {
  if (current is null) throw new InteropError(Code.internal, "callPeer() outside a handler");
  return interop_call_peer(current.call).fromStringz.idup;
}

/// The call a handler is running for (set by serve on the loop thread).
private struct CallState {
  interop_call* call;
  void* result;
  const(interop_type)* resultType;
  ReplyCore deferred;
}

private CallState* current;

/// What every Reply has, whatever its result type: the call, and whether it was answered. An
/// answer given while the handler still runs is returned by the handler (runtime-c's rule: finish
/// only a call whose handler returned INTEROP_PENDING).
class ReplyCore {
  package interop_call* call;
  package void* result;
  package const(interop_type)* resultType;
  package bool finished, inHandler = true;
  private int syncRc;
  private interop_error syncErr;
  private void delegate() cancelled;
  package Object[] keep;  // the call's readers and writers, which runtime-c holds for callbacks

  package this(interop_call* call, void* result, const(interop_type)* resultType) {
    this.call = call;
    this.result = result;
    this.resultType = resultType;
    GC.addRoot(cast(void*) this);  // runtime-c holds it until the call ends
    interop_call_on_cancel(call, &replyCancelled, cast(void*) this);
  }

  /// Whether the call has been answered (or cancelled).
  final bool done() const { return finished; }

  /// Runs `cb` if the call is cancelled (by the caller, its deadline, a lost connection) before it
  /// is answered; the call then ends CANCELLED.
  final void onCancel(void delegate() cb) { cancelled = cb; }

  /// Answers with an error, as a handler's throw would.
  final void fail(Throwable e) {
    if (finished) return;
    interop_error err;
    finish(failed(e, call, &err), &err);
  }

  package final void finish(int rc, const(interop_error)* err) nothrow {
    if (finished) return;
    finished = true;
    if (inHandler) {
      syncRc = rc;
      if (err !is null) syncErr = *cast(interop_error*) err;
      return;
    }
    GC.removeRoot(cast(void*) this);
    interop_call_finish(call, rc, err);
  }

  /// The handler failed: its exception answers, not this reply.
  package final void abandon() nothrow {
    inHandler = false;
    finished = true;
    GC.removeRoot(cast(void*) this);
  }

  /// After the handler returned: its code (an answer given already), or INTEROP_PENDING.
  package final int settle(interop_error* err) nothrow {
    inHandler = false;
    if (!finished) return INTEROP_PENDING;
    GC.removeRoot(cast(void*) this);
    if (syncRc != 0) *err = syncErr;
    return syncRc;
  }
}

private extern (C) void replyCancelled(void* arg) nothrow {
  auto r = cast(ReplyCore) arg;
  if (r.finished) return;
  try {
    if (r.cancelled !is null) r.cancelled();
  } catch (Throwable) {
  }
  interop_error err;
  r.finish(setError(&err, Code.cancelled, "cancelled"), &err);
}

/**
 * The answer of a call given later. A stream handler gets one; a call's handler makes one with
 * `auto reply = rt.Reply!uint.later();` (its return value is then ignored). Call `reply(value)` or
 * `reply.fail(e)` once, on the node's loop thread (from another thread: `rt.post(node, …)`). An
 * answer after the call ended (cancelled, deadline) is ignored.
 */
final class Reply(R) : ReplyCore {
  package this(interop_call* call, void* result, const(interop_type)* resultType) {
    super(call, result, resultType);
  }

  /// The reply of the call the handler is running for; only from inside a handler.
  static Reply later() {
    if (current is null) throw new InteropError(Code.internal, "Reply.later() outside a handler");
    auto r = new Reply(current.call, current.result, current.resultType);
    current.deferred = r;
    return r;
  }

  static if (is(R == void)) {
    void opCall() { finish(0, null); }
  } else {
    void opCall(R value) {
      if (finished) return;
      toC(value, resultType, result, interop_call_arena(call), true);
      finish(0, null);
    }
  }
}

/// Runs `fn` on the node's loop thread soon; any thread may call it.
void post(interop_node* node, void delegate() fn) {
  auto box = new Posted(fn);
  GC.addRoot(cast(void*) box);
  if (interop_node_post(node, &runPosted, cast(void*) box) != 0) {
    GC.removeRoot(cast(void*) box);
    throw new InteropError(Code.unavailable, "the node is closing");
  }
}

private final class Posted {
  void delegate() fn;
  this(void delegate() fn) { this.fn = fn; }
}

private extern (C) void runPosted(void* arg) nothrow {
  auto box = cast(Posted) arg;
  GC.removeRoot(arg);
  try {
    box.fn();
  } catch (Throwable) {
  }
}

package int report(interop_error* err, ApplicationError e, interop_arena* arena) nothrow {
  try {
    auto t = e.interopType();
    if (t is null) return setError(err, Code.internal, "an undeclared application error: " ~ e.typeName);
    setError(err, Code.applicationError, e.typeName);
    err.type = t;
    err.detail = e.interopDetail(arena);
    return Code.applicationError;
  } catch (Throwable x) {
    return setError(err, Code.internal, x.msg);
  }
}

package int setError(interop_error* err, uint code, const(char)[] message) nothrow {
  interop_error_set(err, code, "%.*s", cast(int) message.length, message.ptr);
  return code;
}

/// The C value of `v` in `arena`, strings and bytes copied: what outlives the D value (a declared
/// error's fields, reported by a handler).
void* cValueIn(T)(const T v, const(interop_type)* t, interop_arena* arena) {
  void* p = interop_arena_alloc(arena, t.size, t.align_);
  if (p is null) throw new InteropError(Code.resourceExhausted, "out of memory");
  toC(v, t, p, arena, true);
  return p;
}
