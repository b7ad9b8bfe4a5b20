/// The round-trip contenders of bench/d/suite.ts, speaking the JSON-lines protocol of
/// bench/harness/child.ts:
///   bench_d_child server   a D node serving bench.shapes through the generated Server class
///   bench_d_child client   a D node calling echo<Shape> through the generated Client
/// Servers print {"ready":true,"address":…} and serve until killed (BENCH_NET=unix|tcp); clients
/// print {"ready":true}, then answer {"cmd":"batch","shape":S,"n":N} with {"lat":[ns, …]}
/// (BENCH_ADDRESS). The shapes are those of bench/shapes/data.ts.
module child;

import core.time : MonoTime;
import std.conv : to;
import std.file : mkdirRecurse, tempDir;
import std.json : JSONValue, parseJSON;
import std.process : environment, thisProcessID;
import std.stdio : stdin, stdout, writeln;
import std.string : fromStringz, startsWith;
import rt = interop.runtime;
import shapes = bench.shapes;

shapes.Small makeSmall() { return shapes.Small(12345, "sensor-12345", true, 98.625, -42); }

shapes.Nested makeNested() {
  shapes.Nested v;
  v.id = 7;
  v.title = "order 7 for the benchmark";
  v.owner = makeSmall();
  foreach (uint i; 0 .. 10) {
    v.items ~= shapes.Item(i, "item number " ~ i.to!string, i * 1.25 + 0.5, ["red", "green", "t" ~ i.to!string]);
    v.attrs["attr" ~ i.to!string] = "value of attribute " ~ i.to!string;
    v.counts["count" ~ i.to!string] = i * 1000;
  }
  return v;
}

shapes.Blob makeBlob() {
  auto data = new ubyte[1 << 20];
  foreach (i, ref b; data) b = cast(ubyte) ((i * 31 + 7) & 255);
  return shapes.Blob(1, data.idup);
}

final class Echo : shapes.Server {
  override shapes.Small echoSmall(shapes.Small v) { return v; }
  override shapes.Nested echoNested(shapes.Nested v) { return v; }
  override shapes.Blob echoBlob(shapes.Blob v) { return v; }
}

void say(JSONValue v) {
  writeln(v.toString);
  stdout.flush();
}

int serve() {
  string config;
  if (environment.get("BENCH_NET") == "tcp") {
    config = `{"node":"bench-d-server","listen":["tcp://127.0.0.1:0"]}`;
  } else {
    const dir = tempDir ~ "/interop-bench-d-" ~ thisProcessID.to!string;
    mkdirRecurse(dir);
    config = `{"node":"bench-d-server","listen":["unix:` ~ dir ~ `/s.sock"]}`;
  }
  auto node = new rt.Node(config, [new Echo]);
  say(JSONValue(["ready": JSONValue(true), "address": JSONValue(rt.interop_node_endpoint(node.raw, 0).fromStringz.idup)]));
  node.run();  // until the harness kills this process
  return 0;
}

int client() {
  string address = environment.get("BENCH_ADDRESS", "");
  if (address.startsWith("tcp:") && !address.startsWith("tcp://")) address = "tcp://127.0.0.1:" ~ address[4 .. $];
  auto node = new rt.Node(`{"node":"bench-d-client","connect":[{"address":"` ~ address ~ `","codec":"msgpack","modules":["bench.shapes"]}]}`);
  auto c = shapes.Client(node);
  auto small = makeSmall(), nested = makeNested(), blob = makeBlob();
  say(JSONValue(["ready": true]));
  foreach (line; stdin.byLine) {
    auto cmd = parseJSON(line);
    const shape = cmd["shape"].str;
    const n = cmd["n"].integer;
    long[] lat;
    foreach (i; 0 .. n) {
      const t0 = MonoTime.currTime;
      // The same cheap check as the C client's: the values were decoded in full either way.
      const same = shape == "small" ? c.echoSmall(small).id == small.id
                   : shape == "nested" ? c.echoNested(nested).items.length == nested.items.length
                   : c.echoBlob(blob).data.length == blob.data.length;
      lat ~= (MonoTime.currTime - t0).total!"nsecs";
      if (!same) throw new Exception("the echo differs");
    }
    say(JSONValue(["lat": lat]));
  }
  return 0;
}

int main(string[] args) {
  const role = args.length > 1 ? args[1] : "";
  try {
    if (role == "server") return serve();
    if (role == "client") return client();
  } catch (Exception e) {
    say(JSONValue(["error": e.msg]));
    return 1;
  }
  writeln("usage: bench_d_child server|client (bench/d/suite.ts runs it)");
  return 2;
}
