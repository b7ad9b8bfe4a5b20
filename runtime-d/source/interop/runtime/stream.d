/// Calling a stream function (docs/d.md "Streams", docs/wire.md §1.5): an rt.Stream owns runtime-c's
/// interop_stream; its blocking write/next/finish run the node's loop as a call's wait does (use
/// them from the loop's thread, not from inside a handler). `next` returns a null Nullable at the
/// end; an error is thrown as from a call. Cancel (or finish) every stream you open.
module interop.runtime.stream;

import std.typecons : Nullable;
import interop.runtime.c;
import interop.runtime.codec : Arena;
import interop.runtime.errors;
import interop.runtime.node : ErrorMapper, Node, Reply, ReplyCore, failed;
import interop.runtime.values : toC, fromC;

/// A call of a stream function: In the items this side sends (void: none), Out the items the
/// callee sends (void: none), R the one answer of a client stream (void: none).
final class Stream(In, Out, R) {
  private interop_stream* raw;
  private const(interop_function)* fn;
  private ErrorMapper mapError;

  private this(interop_stream* raw, const(interop_function)* fn, ErrorMapper mapError) {
    this.raw = raw;
    this.fn = fn;
    this.mapError = mapError;
  }

  private void check(int rc, ref interop_error err) {
    if (rc != 0 && rc != INTEROP_DONE) {
      raw = null;  // runtime-c ended the stream: nothing left to cancel
      throw mapError(err);
    }
  }

  static if (!is(In == void)) {
    /// Sends one item, waiting for the callee's credit; false when the callee already answered
    /// and wants no more (finish() gives its answer).
    bool write(In item) {
      Arena arena;
      void* c = interop_arena_alloc(arena.ptr, fn.input.size, fn.input.align_);
      toC(item, fn.input, c, arena.ptr);
      interop_error err;
      const rc = interop_stream_send(raw, c, &err);
      if (rc == INTEROP_DONE) return false;
      if (rc != 0) {
        if (rc == Code.invalidArgument) raw = null;
        throw mapError(err);
      }
      return true;
    }

    /// Ends this side's items.
    void end() {
      interop_error err;
      if (interop_stream_end(raw, &err) != 0) throw mapError(err);
    }
  }

  static if (!is(Out == void)) {
    /// The next item of the callee, waiting for it; null after the last one.
    Nullable!Out next() {
      Arena arena;
      void* c = interop_arena_alloc(arena.ptr, fn.output.size, fn.output.align_);
      interop_error err;
      const rc = interop_stream_next(raw, c, arena.ptr, &err);
      if (rc == INTEROP_DONE) return Nullable!Out.init;
      if (rc != 0) throw mapError(err);
      Out item;
      fromC(item, fn.output, c);
      return Nullable!Out(item);
    }
  }

  /// Ends the input if it is open, waits for the answer (a client stream's result) and frees the
  /// stream. Read the output to its end first (or cancel()).
  R finish() {
    Arena arena;
    void* c = fn.result is null ? null : interop_arena_alloc(arena.ptr, fn.result.size, fn.result.align_);
    interop_error err;
    auto s = raw;
    raw = null;
    if (interop_stream_finish(s, c, arena.ptr, &err) != 0) throw mapError(err);
    static if (!is(R == void)) {
      R value;
      fromC(value, fn.result, c);
      return value;
    }
  }

  /// Cancels the stream (the callee's handler is told) and frees it; nothing after this.
  void cancel() {
    if (raw is null) return;
    interop_stream_cancel(raw);
    raw = null;
  }
}

/// Opens a call of stream function `name` with the parameters struct `params`.
Stream!(In, Out, R) openStream(In, Out, R, P)(Node node, const(interop_module)* m, uint fnIndex, P params,
                                              uint timeoutMs, ErrorMapper mapError) {
  const fn = &m.functions[fnIndex];
  Arena arena;
  void* c = interop_arena_alloc(arena.ptr, fn.params.size, fn.params.align_);
  toC(params, fn.params, c, arena.ptr);
  auto opts = interop_call_options(timeoutMs);
  interop_stream* raw;
  interop_error err;
  if (interop_stream_open(node.invoker(m), m, fnIndex, c, &opts, &raw, &err) != 0) throw mapError(err);
  return new Stream!(In, Out, R)(raw, fn, mapError);
}

// The handler side of a stream function (docs/d.md "Serving streams"): the handler gets the
// caller's items through a StreamReader, sends its own through a StreamWriter, and ends the stream
// with its Reply (reply() ends the output or answers a client stream; reply.fail(e) ends it with
// an error). Handlers run on the loop and must not block: they return at once and go on from
// these callbacks. After the reply (or a cancel) readers and writers do nothing.

/// What StreamWriter.send did.
enum Sent {
  /// The item went out.
  sent,
  /// The caller has granted no credit now: nothing was sent; send it again from onReady.
  full,
  /// The stream is over (cancelled, deadline, closed, or answered): stop producing.
  over,
}

/// The items the caller sends to a stream handler.
final class StreamReader(T) {
  static if (!is(T == void)) {
    private ReplyCore reply;
    private const(interop_type)* type;
    private void delegate(T item) each;
    private void delegate() end;

    package this(ReplyCore reply, const(interop_type)* type) {
      this.reply = reply;
      this.type = type;
      reply.keep ~= this;  // runtime-c holds it for its callbacks: alive as long as the call
    }

    /// `each` runs for every item in order, then `end` once when the caller ended its items. An
    /// exception from either answers the call with it.
    void onItems(void delegate(T item) each, void delegate() end) {
      this.each = each;
      this.end = end;
      if (!reply.finished) interop_call_on_item(reply.call, &readerItem!T, cast(void*) this);
    }
  }
}

private extern (C) void readerItem(T)(void* arg, const(void)* item) nothrow {
  auto r = cast(StreamReader!T) arg;
  if (r.reply.finished) return;
  try {
    if (item is null) {
      r.end();
    } else {
      T value;
      fromC(value, r.type, item);
      r.each(value);
    }
  } catch (Throwable e) {
    try r.reply.fail(e); catch (Throwable) {}
  }
}

/// Where a stream handler sends its items.
final class StreamWriter(T) {
  static if (!is(T == void)) {
    private ReplyCore reply;
    private const(interop_type)* type;
    private void delegate() ready;

    package this(ReplyCore reply, const(interop_type)* type) {
      this.reply = reply;
      this.type = type;
      reply.keep ~= this;  // runtime-c holds it for its callbacks: alive as long as the call
    }

    /// Sends one item if the caller's credit allows (the item is only read during the call).
    Sent send(T item) {
      if (reply.finished) return Sent.over;
      Arena arena;
      void* c = interop_arena_alloc(arena.ptr, type.size, type.align_);
      toC(item, type, c, arena.ptr);
      interop_error err;
      const rc = interop_call_send_item(reply.call, c, &err);
      if (rc == 0) return Sent.sent;
      if (rc == INTEROP_PENDING) return Sent.full;
      // Over (cancelled, closed) or an item runtime-c refused: the call ends with that error.
      reply.finish(rc, &err);
      return Sent.over;
    }

    /// Runs `cb` once, on the loop, when send may succeed again (credit arrived).
    void onReady(void delegate() cb) {
      if (reply.finished) return;
      ready = cb;
      interop_call_on_ready(reply.call, &writerReady!T, cast(void*) this);
    }
  }
}

private extern (C) void writerReady(T)(void* arg) nothrow {
  auto w = cast(StreamWriter!T) arg;
  if (w.reply.finished || w.ready is null) return;
  try {
    w.ready();
  } catch (Throwable e) {
    try w.reply.fail(e); catch (Throwable) {}
  }
}

/// The body of every generated stream handler: the parameters, a reader for the caller's items
/// (In void: none), a writer for the handler's (Out void: none), the Reply that ends the call.
int serveStream(S, P, In, Out, R)(void* impl, interop_call* call, const(void)* params, void* result,
                                  interop_error* err, const(interop_module)* m, uint fnIndex,
                                  void delegate(S, ref P, StreamReader!In, StreamWriter!Out, Reply!R) body) nothrow {
  Reply!R reply;
  try {
    const fn = &m.functions[fnIndex];
    P p;
    fromC(p, fn.params, params);
    reply = new Reply!R(call, result, fn.result);
    StreamReader!In reader;
    StreamWriter!Out writer;
    static if (!is(In == void)) reader = new StreamReader!In(reply, fn.input);
    static if (!is(Out == void)) writer = new StreamWriter!Out(reply, fn.output);
    body(cast(S) impl, p, reader, writer, reply);
    return reply.settle(err);
  } catch (Throwable e) {
    if (reply !is null) reply.abandon();
    return failed(e, call, err);
  }
}
