/// The dub example of docs/d.md "Building with dub": a program that hosts example.hello and calls
/// it through the generated client (directly: the node hosts the module).
module app;

import std.stdio : writeln;
import rt = interop.runtime;
import hello = example.hello;

final class Hello : hello.Server {
  private uint count;
  override hello.Greeting greet(string name) { return hello.Greeting("hello, " ~ name, ++count); }
}

void main() {
  auto node = new rt.Node(`{"node":"app"}`, [new Hello]);
  scope (exit) node.close();
  auto client = hello.Client(node);
  client.greet("dub");
  writeln(cast(string) hello.codec.Greeting.encode(client.greet("D"), rt.Codec.json));
  // {"text":"hello, D","count":2}
}
