/// D conformance client (test/conformance/README.md): runs every case of cases.json through the
/// generated D client (conf.Client) over the node in INTEROP_NODE_CONFIG and prints one JSON line
/// per case. Arguments are decoded from the case's canonical JSON into the function's generated
/// Params struct; results are encoded from the D value, so a case compares canonical JSON text as
/// every other language's client does.
///   client --cases PATH --transport T --codec C [--quick]
module client;

import std.algorithm : sort;
import std.conv : to;
import std.file : readText;
import std.format : format;
import std.json : JSONType, JSONValue, parseJSON;
import std.stdio : stdout, stderr, writeln;
import std.traits : ReturnType;
import std.uni : isUpper, toLower;
import rt = interop.runtime;
import conf = interop.conformance;
import impl : Impl;
import client_streams : runStreamCase;

/// echoBool → echo_bool: the IDL name of a generated D method.
string idlName(string d) {
  string out_;
  foreach (c; d) out_ ~= c.isUpper ? "_" ~ cast(char) c.toLower : "" ~ c;
  return out_;
}

const(rt.interop_type)* paramsType(string fn) {
  auto m = &conf.interop_conformance_module;
  return m.functions[rt.functionIndex(m, fn)].params;
}

const(rt.interop_type)* resultType(string fn) {
  auto m = &conf.interop_conformance_module;
  return m.functions[rt.functionIndex(m, fn)].result;
}

/// Makes the call a case names with its arguments; returns the result as canonical JSON (null for none).
alias Call = string delegate(conf.Client client, string args);

Call[string] calls() {
  Call[string] table;
  static foreach (name; __traits(allMembers, conf.Params)) {{
    alias P = __traits(getMember, conf.Params, name);
    enum fn = idlName(name);
    table[fn] = (conf.Client client, string args) {
      P p = rt.decodeAs!P(cast(const(ubyte)[]) (args.length ? args : "{}"), paramsType(fn), rt.Codec.json);
      alias R = ReturnType!(__traits(getMember, conf.Client, name));
      static if (is(R == void)) {
        __traits(getMember, client, name)(p.tupleof);
        return cast(string) null;
      } else {
        R r = __traits(getMember, client, name)(p.tupleof);
        return cast(string) rt.encodeAs!R(r, resultType(fn), rt.Codec.json);
      }
    };
  }}
  return table;
}

string str(JSONValue o, string key) {
  auto p = key in o;
  return p !is null && p.type == JSONType.string ? p.str : "";
}

/// The declared error's fields as canonical JSON, when it is one of the module's error classes.
string detailOf(rt.ApplicationError e) {
  if (auto x = cast(conf.NotFound) e) return cast(string) conf.codec.NotFound.encode(x, rt.Codec.json);
  if (auto x = cast(conf.Invalid) e) return cast(string) conf.codec.Invalid.encode(x, rt.Codec.json);
  if (auto x = cast(conf.Busy) e) return cast(string) conf.codec.Busy.encode(x, rt.Codec.json);
  return "(not a generated error class: " ~ e.typeName ~ ")";
}

void expectError(JSONValue* want, rt.InteropError e) {
  if (want is null) throw new Exception("unexpected error: " ~ e.msg);
  const code = str(*want, "code");
  if (code != rt.codeName(e.code)) throw new Exception("expected " ~ code ~ ", got " ~ e.msg);
  if (code == "APPLICATION_ERROR") {
    auto app = cast(rt.ApplicationError) e;
    if (app.typeName != str(*want, "type")) throw new Exception("expected " ~ str(*want, "type") ~ ", got " ~ app.typeName);
    const detail = detailOf(app);
    if (detail != str(*want, "detail")) throw new Exception("detail " ~ detail ~ " != " ~ str(*want, "detail"));
  }
}

/// One call: the error the case wants, or the result it wants (null: only succeed).
string runCall(rt.Node node, JSONValue* wantError, string fn, string args, uint timeoutMs) {
  auto table = calls();
  auto call = fn in table;
  if (call is null) throw new Exception("the D client has no call " ~ fn);
  string got;
  try {
    got = (*call)(conf.Client(node).withTimeout(timeoutMs), args);
  } catch (rt.InteropError e) {
    expectError(wantError, e);
    return null;
  }
  if (wantError !is null) throw new Exception("expected " ~ str(*wantError, "code") ~ ", got a result");
  return got;
}

void runSimple(rt.Node node, JSONValue c) {
  auto t = "timeout_ms" in c;
  const got = runCall(node, "error" in c, str(c, "function"), str(c, "args"), t is null ? 0 : cast(uint) t.integer);
  auto want = "result" in c;
  if (want !is null && want.type == JSONType.string && got != want.str)
    throw new Exception(format("result %.400s != %.400s", got, want.str));
}

void runOneway(rt.Node node, JSONValue c) {
  auto p = rt.decodeAs!(conf.Params.note)(cast(const(ubyte)[]) str(c, "args"), paramsType("note"), rt.Codec.json);
  conf.Client(node).note(p.text);
  auto then = c["then"];
  const want = str(then, "result");
  string got;
  for (int i = 0; i < 250 && got != want; i++) {
    got = runCall(node, null, str(then, "function"), str(then, "args"), 0);
    if (got != want) node.runFor(20);
  }
  if (got != want) throw new Exception("after the oneway call, got " ~ got ~ ", want " ~ want);
}

/// The events of one name, in order, as text: order is promised per subscription only.
string eventsOf(string[2][] seen, string name) {
  string out_;
  foreach (e; seen)
    if (e[0] == name) out_ ~= `{"event":"` ~ e[0] ~ `","payload":` ~ (e[1].length ? e[1] : "null") ~ "},";
  return out_;
}

void runEvents(rt.Node node, JSONValue c) {
  auto client = conf.Client(node);
  string[2][] seen, want;
  rt.Subscription[] subs;
  scope (exit) foreach (s; subs) s.unsubscribe();
  string[] names;
  foreach (n; c["subscribe"].array) {
    names ~= n.str;
    if (n.str == "ticked") subs ~= client.onTicked((conf.Tick t) { seen ~= ["ticked", cast(string) conf.codec.Tick.encode(t, rt.Codec.json)]; });
    else if (n.str == "pinged") subs ~= client.onPinged(() { seen ~= ["pinged", ""]; });
    else throw new Exception("no event " ~ n.str);
  }
  foreach (e; c["events"].array) want ~= [str(e, "event"), str(e, "payload")];
  runSimple(node, c);
  for (int i = 0; i < 250 && seen.length < want.length; i++) node.runFor(20);
  bool same = seen.length == want.length;
  string a, b;
  foreach (n; names) {
    same = same && eventsOf(seen, n) == eventsOf(want, n);
    a ~= eventsOf(seen, n);
    b ~= eventsOf(want, n);
  }
  if (!same) throw new Exception(format("events %.450s != %.450s", a, b));
}

void runConcurrent(rt.Node node, JSONValue c) {
  auto client = conf.Client(node);
  rt.Pending!ulong[] pending;
  foreach (i; 0 .. c["calls"].integer) pending ~= client.nextCountAsync();
  ulong[] values;
  foreach (p; pending) values ~= node.wait(p);
  values.sort();
  foreach (i; 1 .. values.length)
    if (values[i] != values[0] + i) throw new Exception("results are not distinct and consecutive");
}

void runBigEcho(rt.Node node, JSONValue c) {
  auto data = new ubyte[cast(size_t) c["length"].integer];
  foreach (i, ref b; data) b = cast(ubyte) (i % 251);
  if (conf.Client(node).echoBytes(data.idup) != data) throw new Exception(format("the echo of %s bytes differs", data.length));
}

/// A case lists the transports it applies to, or applies to all.
bool applies(JSONValue c, string transport) {
  auto only = "transports" in c;
  if (only is null) return true;
  foreach (t; only.array) if (t.str == transport) return true;
  return false;
}

int main(string[] args) {
  string casesPath, transport;
  bool quick;
  for (size_t i = 1; i < args.length; i++) {
    if (args[i] == "--cases" && i + 1 < args.length) casesPath = args[++i];
    else if (args[i] == "--quick") quick = true;
    else if (args[i] == "--transport" && i + 1 < args.length) transport = args[++i];
    else if (args[i] == "--codec" && i + 1 < args.length) i++;
  }
  if (casesPath is null) {
    stderr.writeln("usage: client --cases PATH --transport T --codec C [--quick]");
    return 2;
  }
  auto doc = parseJSON(readText(casesPath));
  rt.Node node;
  try {
    node = new rt.Node(null, [new Impl]);  // hosted when the node config says so (direct)
  } catch (rt.InteropError e) {
    stderr.writeln("client: ", e.msg);
    return 1;
  }
  foreach (c; doc["cases"].array) {
    if (quick && "quick" in c && c["quick"].type == JSONType.false_) continue;
    if (!applies(c, transport)) continue;
    const kind = str(c, "kind");
    string failure;
    try {
      switch (kind) {
        case "call": runSimple(node, c); break;
        case "oneway": runOneway(node, c); break;
        case "events": runEvents(node, c); break;
        case "concurrent": runConcurrent(node, c); break;
        case "big_echo": runBigEcho(node, c); break;
        default:
          if (!runStreamCase(node, c, kind)) failure = "unknown case kind " ~ kind;
      }
    } catch (Exception e) {
      failure = e.msg.length ? e.msg : typeid(e).name;
    }
    JSONValue line = ["case": JSONValue(str(c, "name")), "ok": JSONValue(failure.length == 0)];
    if (failure.length) line["detail"] = failure;
    writeln(line.toString);
    stdout.flush();
  }
  node.close();
  return 0;
}
