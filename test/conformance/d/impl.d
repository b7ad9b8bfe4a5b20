/// The D implementation of interop.conformance (test/conformance/README.md), used by the D server
/// and by the D client for the direct transport (its own node hosts the module then).
/// `unimplemented` is left out on purpose. Stream handlers return at once and go on from the
/// reader's and writer's callbacks (docs/d.md "Serving streams").
module impl;

import core.sys.posix.signal : kill, SIGKILL;
import core.sys.posix.unistd : getpid;
import core.thread : Thread;
import core.time : msecs;
import std.conv : to;
import std.datetime.systime : Clock;
import rt = interop.runtime;
import conf = interop.conformance;

double wallMs() {
  auto now = Clock.currTime;
  return now.toUnixTime!long * 1000.0 + now.fracSecs.total!"msecs";
}

immutable(ubyte)[] chunkOf(size_t size) {
  auto data = new ubyte[size];
  foreach (i, ref b; data) b = cast(ubyte) (i % 251);
  return data.idup;
}

/// Sends what `next` makes while the caller's credit allows; resumes from onReady; `after` runs
/// once `next` has nothing more (null).
void pump(T)(rt.StreamWriter!T output, rt.Nullable!T delegate() next, void delegate() after) {
  rt.Nullable!T held;
  void go() {
    for (;;) {
      if (held.isNull) {
        held = next();
        if (held.isNull) return after();
      }
      final switch (output.send(held.get)) {
        case rt.Sent.sent: held.nullify(); break;
        case rt.Sent.full: output.onReady(&go); return;
        case rt.Sent.over: return;
      }
    }
  }
  go();
}

final class Impl : conf.Server {
  private ulong count;
  private string lastNote_ = "";
  private ulong floodProduced;
  private double cancelledAtMs = 0;

  /// Notes a cancel in stream_stats.
  private void noteCancel(rt.ReplyCore reply) {
    reply.onCancel(() { cancelledAtMs = wallMs(); });
  }

  override bool echoBool(bool v) { return v; }
  override byte echoI8(byte v) { return v; }
  override short echoI16(short v) { return v; }
  override int echoI32(int v) { return v; }
  override long echoI64(long v) { return v; }
  override ubyte echoU8(ubyte v) { return v; }
  override ushort echoU16(ushort v) { return v; }
  override uint echoU32(uint v) { return v; }
  override ulong echoU64(ulong v) { return v; }
  override float echoF32(float v) { return v; }
  override double echoF64(double v) { return v; }
  override string echoString(string v) { return v; }
  override immutable(ubyte)[] echoBytes(immutable(ubyte)[] v) { return v; }
  override conf.Level echoLevel(conf.Level v) { return v; }
  override string[] echoList(string[] v) { return v; }
  override long[string] echoMap(long[string] v) { return v; }
  override rt.Nullable!int echoMaybe(rt.Nullable!int v) { return v; }
  override conf.Scalars echoScalars(conf.Scalars v) { return v; }
  override conf.Containers echoContainers(conf.Containers v) { return v; }
  override conf.Optionals echoOptionals(conf.Optionals v) { return v; }
  override conf.Shape echoShape(conf.Shape v) { return v; }
  override conf.Everything echoEverything(conf.Everything v) { return v; }

  override long add(long a, long b) { return cast(long) (cast(ulong) a + cast(ulong) b); }
  override void nothing() {}

  override string fail(string kind) {
    switch (kind) {
      case "not_found": throw new conf.NotFound("missing");
      case "invalid": throw new conf.Invalid("kind", "bad", rt.nullable(long.min));
      case "busy": throw new conf.Busy(uint.max);
      case "internal": throw new Exception("a plain D failure");
      default: return kind;
    }
  }

  /// Answers after `ms` without holding the loop: a sleeping thread posts the answer back.
  override uint slow(uint ms) {
    auto reply = rt.Reply!uint.later();
    auto node = this.node;
    auto t = new Thread({
      Thread.sleep(ms.msecs);
      try rt.post(node, { reply(ms); }); catch (rt.InteropError) {}
    });
    t.isDaemon = true;
    t.start();
    return 0;
  }

  override ulong nextCount() { return ++count; }
  override void note(string text) { lastNote_ = text; }
  override string lastNote() { return lastNote_; }

  override void publish(uint count, string text) {
    auto events = conf.Publisher(node);
    foreach (n; 1 .. count + 1) events.ticked(conf.Tick(n, text));
    events.pinged();
  }

  override conf.StreamStats streamStats() { return conf.StreamStats(floodProduced, cancelledAtMs); }

  override void upload(rt.StreamReader!(immutable(ubyte)[]) chunks, rt.Reply!ulong reply) {
    noteCancel(reply);
    ulong total;
    chunks.onItems((immutable(ubyte)[] c) { total += c.length; }, () { reply(total); });
  }

  override void download(uint[] sizes, rt.StreamWriter!(immutable(ubyte)[]) output, rt.Reply!void reply) {
    noteCancel(reply);
    size_t i;
    pump!(immutable(ubyte)[])(output, () => i < sizes.length ? rt.nullable(chunkOf(sizes[i++])) : rt.Nullable!(immutable(ubyte)[]).init, () { reply(); });
  }

  override void pingPong(rt.StreamReader!string lines, rt.StreamWriter!string output, rt.Reply!void reply) {
    noteCancel(reply);
    string[] pongs;
    bool ended, pumping;
    void drain() {
      if (pumping) return;  // the pump running already takes the new answer
      pumping = true;
      pump!string(output, () {
        if (pongs.length == 0) return rt.Nullable!string.init;
        auto p = pongs[0];
        pongs = pongs[1 .. $];
        return rt.nullable(p);
      }, () {
        pumping = false;
        if (ended) reply();
      });
    }
    lines.onItems((string line) { pongs ~= "pong " ~ line; drain(); }, () { ended = true; drain(); });
  }

  private void ticks(uint count, rt.StreamWriter!(conf.Tick) output, void delegate() after) {
    uint n;
    pump!(conf.Tick)(output, () => n < count ? rt.nullable(conf.Tick(++n, wallMs().to!long.to!string)) : rt.Nullable!(conf.Tick).init, after);
  }

  override void tickStream(uint count, string end, rt.StreamWriter!(conf.Tick) output, rt.Reply!void reply) {
    noteCancel(reply);
    ticks(count, output, () {
      if (end == "busy") reply.fail(new conf.Busy(count));
      else if (end == "cancel") reply.fail(new rt.InteropError(rt.Code.cancelled, "the callee stopped after " ~ count.to!string));
      else if (end != "hang") reply();  // hang: until the caller cancels
    });
  }

  override void dieMidStream(uint count, rt.StreamWriter!(conf.Tick) output, rt.Reply!void reply) {
    noteCancel(reply);
    // Let the ticks reach the caller, then die as a crash (no GOODBYE): 400 ms, as the C server.
    ticks(count, output, () {
      auto t = new Thread({ Thread.sleep(400.msecs); kill(getpid(), SIGKILL); });
      t.isDaemon = true;
      t.start();
    });
  }

  override void flood(uint chunk, ulong total, rt.StreamWriter!(immutable(ubyte)[]) output, rt.Reply!void reply) {
    noteCancel(reply);
    floodProduced = 0;
    auto data = chunkOf(chunk);
    ulong sent;
    pump!(immutable(ubyte)[])(output, () {
      if (sent >= total) return rt.Nullable!(immutable(ubyte)[]).init;
      floodProduced++;
      sent += chunk;
      return rt.nullable(data);
    }, () { reply(); });
  }
}
