/// A D module library (test/mix/left.d) and a C module library (runtime-c/test/cpp/mix/right.c) in
/// one interop-node, calling each other directly; this test's node reaches both over stdio
/// (interop-node is its plugin) with the generated D clients. twice() answers with the peer it saw:
/// the test's node name over the plugin link, "" for the direct calls between the two libraries.
module module_test;

import std.json : JSONValue;
import std.process : environment;
import rt = interop.runtime;
import ml = mix.left;
import mr = mix.right;

string config(string codec) {
  JSONValue plugin = ["node": JSONValue("mix"), "modules": JSONValue(["mix.left", "mix.right"]), "stdio": JSONValue(true)];
  JSONValue command = [environment["INTEROP_NODE"], "--config", plugin.toString, environment["MIX_LEFT_LIBRARY"], environment["MIX_RIGHT_LIBRARY"]];
  JSONValue link = ["command": command, "codec": JSONValue(codec), "modules": JSONValue(["mix.left", "mix.right"])];
  JSONValue cfg = ["node": JSONValue("tester"), "modules": JSONValue(string[].init), "plugins": JSONValue([link])];
  return cfg.toString;
}

@("module library: a D module and a C module in one interop-node call each other directly")
unittest {
  foreach (codec; ["json", "msgpack", "protobuf"]) {
    auto node = new rt.Node(config(codec));
    scope (exit) node.close();
    auto left = ml.Client(node);
    auto right = mr.Client(node);
    assert(left.twice(4) == ml.Twice(8, "tester"), codec);  // across the plugin link
    assert(right.twice(5) == mr.Twice(10, "tester"), codec);
    // D -> C and C -> D inside interop-node: direct, so the callee sees no peer.
    assert(left.relay(21) == ml.Twice(42, ""), codec);
    assert(right.relay(-3) == mr.Twice(-6, ""), codec);
  }
}
