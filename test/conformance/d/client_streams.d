/// The stream cases of the D conformance client (test/conformance/README.md, kinds client_stream,
/// server_stream, ping_pong, ticks, cancel_by_caller, flood), through the generated stream methods
/// (docs/d.md "Streams").
module client_streams;

import std.conv : to;
import std.datetime.systime : Clock;
import std.json : JSONValue;
import rt = interop.runtime;
import conf = interop.conformance;
import client : expectError, paramsType, str;

double wallMs() {
  return (Clock.currTime.toUnixTime!long * 1000.0) + Clock.currTime.fracSecs.total!"msecs";
}

immutable(ubyte)[] chunk(size_t size) {
  auto data = new ubyte[size];
  foreach (i, ref b; data) b = cast(ubyte) (i % 251);
  return data.idup;
}

P args(P)(JSONValue c, string fn) {
  return rt.decodeAs!P(cast(const(ubyte)[]) str(c, "args"), paramsType(fn), rt.Codec.json);
}

conf.Client clientFor(rt.Node node, JSONValue c) {
  auto t = "timeout_ms" in c;
  return conf.Client(node).withTimeout(t is null ? 0 : cast(uint) t.integer);
}

void clientStream(rt.Node node, JSONValue c) {
  auto s = clientFor(node, c).upload();
  foreach (size; c["sizes"].array)
    if (!s.write(chunk(cast(size_t) size.integer))) throw new Exception("the callee answered before the end");
  const got = `"` ~ s.finish().to!string ~ `"`;  // a u64 in canonical JSON
  if (got != str(c, "result")) throw new Exception("result " ~ got ~ " != " ~ str(c, "result"));
}

void serverStream(rt.Node node, JSONValue c) {
  auto a = args!(conf.Params.download)(c, "download");
  auto s = clientFor(node, c).download(a.sizes);
  auto want = c["sizes"].array;
  size_t i;
  for (auto item = s.next(); !item.isNull; item = s.next()) {
    if (i >= want.length || item.get != chunk(cast(size_t) want[i].integer))
      throw new Exception("chunk " ~ i.to!string ~ " is not the expected one");
    i++;
  }
  if (i != want.length) throw new Exception("fewer chunks than expected");
  s.finish();
}

void pingPong(rt.Node node, JSONValue c) {
  auto s = clientFor(node, c).pingPong();
  foreach (line; c["lines"].array) {
    if (!s.write(line.str)) throw new Exception("the callee answered before the end");
    auto answer = s.next();
    if (answer.isNull || answer.get != "pong " ~ line.str) throw new Exception("answer to " ~ line.str ~ " is not pong " ~ line.str);
  }
  s.end();
  if (!s.next().isNull) throw new Exception("no clean end after the answers");
  s.finish();
}

alias Ticks = rt.Stream!(void, conf.Tick, void);

Ticks openTicks(rt.Node node, JSONValue c) {
  auto client = clientFor(node, c);
  if (str(c, "function") == "die_mid_stream") return client.dieMidStream(args!(conf.Params.dieMidStream)(c, "die_mid_stream").count);
  auto a = args!(conf.Params.tickStream)(c, "tick_stream");
  return client.tickStream(a.count, a.end);
}

/// Takes ticks until the stream ends or `stopAt` arrived.
void readTicks(Ticks s, uint stopAt, ref uint got, ref double last) {
  got = 0;
  for (auto t = s.next(); !t.isNull; t = s.next()) {
    if (t.get.n != got + 1) throw new Exception("ticks out of order");
    got = t.get.n;
    last = t.get.text.to!double;
    if (got == stopAt) break;
  }
}

void ticks(rt.Node node, JSONValue c) {
  auto s = openTicks(node, c);
  uint got;
  double last = 0;
  try {
    readTicks(s, 0, got, last);
    s.finish();
    if ("error" in c) throw new Exception("expected " ~ str(c["error"], "code") ~ ", got the end");
  } catch (rt.InteropError e) {
    const learned = wallMs();
    expectError("error" in c, e);
    auto within = "within_ms" in c;
    if (within !is null && learned - last >= within.integer)
      throw new Exception("learned of the end " ~ (learned - last).to!string ~ " ms after the last tick");
  } finally {
    s.cancel();
  }
  if (got != c["count"].integer) throw new Exception(got.to!string ~ " ticks");
}

conf.StreamStats stats(rt.Node node) {
  return conf.Client(node).streamStats();
}

void cancelByCaller(rt.Node node, JSONValue c) {
  auto s = openTicks(node, c);
  uint got;
  double last = 0;
  readTicks(s, cast(uint) c["count"].integer, got, last);
  const stopped = wallMs();
  s.cancel();
  for (const end = wallMs() + 5000; wallMs() < end; node.runFor(5)) {
    const at = stats(node).cancelledAtMs;
    if (at < stopped) continue;
    if (at - stopped >= c["within_ms"].integer) throw new Exception("the callee learned of the cancel too late");
    return;
  }
  throw new Exception("the callee never learned that the stream was cancelled");
}

void flood(rt.Node node, JSONValue c) {
  auto a = args!(conf.Params.flood)(c, "flood");
  auto s = clientFor(node, c).flood(a.chunk, a.total);
  scope (exit) s.cancel();
  const read = c["read"].integer, window = c["window"].integer;
  foreach (i; 0 .. read) s.next();
  // The producer runs on as far as credit lets it: at least half a window ahead, never more than a window.
  ulong produced;
  for (const end = wallMs() + 10000; wallMs() < end && produced < read + window / 2; node.runFor(20)) produced = stats(node).floodProduced;
  node.runFor(300);
  produced = stats(node).floodProduced;
  if (produced > read + window || produced < read + window / 2) throw new Exception("the producer made " ~ produced.to!string ~ " items");
  foreach (i; 0 .. window)
    if (s.next().isNull) throw new Exception("the stream ended early");
}

/// A stream over a transport that does not carry streams (http): the case's error, and no item.
void refusedStream(rt.Node node, JSONValue c) {
  auto client = clientFor(node, c);
  void outcome(S)(S s) {
    try {
      static if (__traits(hasMember, S, "next"))
        if (!s.next().isNull) throw new Exception("an item arrived");
      s.finish();
    } catch (rt.InteropError e) {
      expectError("error" in c, e);
      return;
    } finally {
      s.cancel();
    }
    throw new Exception("expected " ~ str(c["error"], "code") ~ ", got the end");
  }
  switch (str(c, "function")) {
    case "upload": outcome(client.upload()); break;
    case "download": outcome(client.download(args!(conf.Params.download)(c, "download").sizes)); break;
    case "ping_pong": outcome(client.pingPong()); break;
    default: throw new Exception("no stream function " ~ str(c, "function"));
  }
}

/// Runs a stream case; false when `kind` is not one.
bool runStreamCase(rt.Node node, JSONValue c, string kind) {
  switch (kind) {
    case "client_stream": clientStream(node, c); return true;
    case "server_stream": serverStream(node, c); return true;
    case "ping_pong": pingPong(node, c); return true;
    case "ticks": ticks(node, c); return true;
    case "cancel_by_caller": cancelByCaller(node, c); return true;
    case "flood": flood(node, c); return true;
    case "refused_stream": refusedStream(node, c); return true;
    default: return false;
  }
}
