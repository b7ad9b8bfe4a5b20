// C++ conformance client (test/conformance/README.md): runs every case of cases.json through the
// generated C++ client (conf::Client) over the node in INTEROP_NODE_CONFIG and prints one JSON
// line per case. A case's arguments are decoded with the generated C descriptor of the function's
// parameters and converted to the C++ arguments; results are encoded from the C++ value, so a
// case compares canonical JSON text as every other language's client does. Stream cases are in
// client_streams.cpp.
//   client --cases PATH --transport T --codec C [--quick]
#include <cjson/cJSON.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "client_streams.hpp"

namespace {

namespace conf = interop::conformance;
using interop::Codec;

/** What a call case runs against: the node (to wait) and the client (to call). */
struct Ctx {
  interop::Node &node;
  conf::Client client;
  interop::Arena arena;  // decoded arguments; cleared per case by making a new Ctx

  /** The function's C params decoded from the case's canonical JSON. */
  template <class CParams>
  const CParams &params(const std::string &json, const interop_type *type) {
    auto *p = arena.alloc<CParams>(1);
    const std::string text = json.empty() ? "{}" : json;
    interop_error err;
    interop::check(interop_decode(type, reinterpret_cast<const std::uint8_t *>(text.data()), text.size(),
                                  INTEROP_CODEC_JSON, INTEROP_DEFAULT_MAX_DEPTH, arena.get(), p, &err),
                   err);
    return *p;
  }
};

/** A C value as its C++ type. */
template <class T, class C>
T in(const C &c) {
  using interop::interop_from_c;
  T value{};
  interop_from_c(c, value);
  return value;
}

const interop_function &function(const std::string &name) {
  const interop_module &m = interop_conformance_module;
  for (std::uint32_t i = 0; i < m.functions_count; i++)
    if (name == m.functions[i].name) return m.functions[i];
  throw std::runtime_error("no function " + name);
}

std::string text(const interop::Bytes &b) { return std::string(b.begin(), b.end()); }

using StringToI64 = std::map<std::string, std::int64_t>;

/** Waits for the call and returns its result as canonical JSON ("" for none). */
template <class CResult, class R>
std::string result(Ctx &x, std::future<R> f, const char *fn) {
  if constexpr (std::is_void_v<R>) {
    x.node.wait(std::move(f));
    (void)fn;
    return "";
  } else {
    R value = x.node.wait(std::move(f));
    return text(interop::TypeCodec<R, CResult>{function(fn).result}.encode(value, Codec::json));
  }
}

using Call = std::function<std::string(Ctx &, const std::string &args)>;

#define P(fn) x.params<interop_conformance_##fn##_params>(args, &interop_conformance_##fn##_params_type)
#define ECHO_CALL(fn, T, C) \
  {#fn, [](Ctx &x, const std::string &args) { return result<C>(x, x.client.fn(in<T>(P(fn).v)), #fn); }},

const std::map<std::string, Call> &calls() {
  static const std::map<std::string, Call> table = {
      ECHO_CALL(echo_bool, bool, bool) ECHO_CALL(echo_i8, std::int8_t, int8_t) ECHO_CALL(echo_i16, std::int16_t, int16_t)
      ECHO_CALL(echo_i32, std::int32_t, int32_t) ECHO_CALL(echo_i64, std::int64_t, int64_t) ECHO_CALL(echo_u8, std::uint8_t, uint8_t)
      ECHO_CALL(echo_u16, std::uint16_t, uint16_t) ECHO_CALL(echo_u32, std::uint32_t, uint32_t)
      ECHO_CALL(echo_u64, std::uint64_t, uint64_t) ECHO_CALL(echo_f32, float, float) ECHO_CALL(echo_f64, double, double)
      ECHO_CALL(echo_string, std::string, interop_str) ECHO_CALL(echo_bytes, interop::Bytes, interop_bytes)
      ECHO_CALL(echo_level, conf::Level, interop_conformance_Level)
      ECHO_CALL(echo_list, std::vector<std::string>, interop_list_string)
      ECHO_CALL(echo_map, StringToI64, interop_conformance_map_string_i64)
      ECHO_CALL(echo_maybe, std::optional<std::int32_t>, interop_opt_i32)
      ECHO_CALL(echo_scalars, conf::Scalars, interop_conformance_Scalars)
      ECHO_CALL(echo_containers, conf::Containers, interop_conformance_Containers)
      ECHO_CALL(echo_optionals, conf::Optionals, interop_conformance_Optionals)
      ECHO_CALL(echo_shape, conf::Shape, interop_conformance_Shape)
      ECHO_CALL(echo_everything, conf::Everything, interop_conformance_Everything)
      ECHO_CALL(unimplemented, std::int32_t, int32_t)
      {"add", [](Ctx &x, const std::string &args) {
         const auto &p = P(add);
         return result<int64_t>(x, x.client.add(p.a, p.b), "add");
       }},
      {"nothing", [](Ctx &x, const std::string &) { return result<char>(x, x.client.nothing(), "nothing"); }},
      {"fail", [](Ctx &x, const std::string &args) {
         return result<interop_str>(x, x.client.fail(in<std::string>(P(fail).kind)), "fail");
       }},
      {"slow", [](Ctx &x, const std::string &args) { return result<uint32_t>(x, x.client.slow(P(slow).ms), "slow"); }},
      {"next_count", [](Ctx &x, const std::string &) { return result<uint64_t>(x, x.client.next_count(), "next_count"); }},
      {"last_note", [](Ctx &x, const std::string &) { return result<interop_str>(x, x.client.last_note(), "last_note"); }},
      {"publish", [](Ctx &x, const std::string &args) {
         const auto &p = P(publish);
         return result<char>(x, x.client.publish(p.count, in<std::string>(p.text)), "publish");
       }},
      {"stream_stats", [](Ctx &x, const std::string &) {
         return result<interop_conformance_StreamStats>(x, x.client.stream_stats(), "stream_stats");
       }},
  };
  return table;
}
#undef ECHO_CALL
#undef P

}  // namespace

namespace conformance_cpp {

std::string str(const cJSON *o, const char *key) {
  const cJSON *s = cJSON_GetObjectItem(o, key);
  return cJSON_IsString(s) ? s->valuestring : "";
}

namespace {

/** The declared error's fields as canonical JSON, when `e` is one of the module's error classes. */
std::string detail_of(const interop::ApplicationError &e) {
  if (auto *x = dynamic_cast<const conf::NotFound *>(&e)) return text(conf::codec::NotFound.encode(*x, Codec::json));
  if (auto *x = dynamic_cast<const conf::Invalid *>(&e)) return text(conf::codec::Invalid.encode(*x, Codec::json));
  if (auto *x = dynamic_cast<const conf::Busy *>(&e)) return text(conf::codec::Busy.encode(*x, Codec::json));
  return "(not a generated error class: " + e.type_name() + ")";
}

}  // namespace

void expect_error(const cJSON *want_error, const interop::Error &e) {
  if (want_error == nullptr) throw std::runtime_error(std::string("unexpected error: ") + e.what());
  const std::string code = str(want_error, "code");
  if (code != interop::code_name(e.code())) throw std::runtime_error("expected " + code + ", got " + e.what());
  if (code == "APPLICATION_ERROR") {
    const auto &app = dynamic_cast<const interop::ApplicationError &>(e);
    if (app.type_name() != str(want_error, "type")) throw std::runtime_error("expected " + str(want_error, "type") + ", got " + app.type_name());
    std::string detail = detail_of(app);
    if (detail != str(want_error, "detail")) throw std::runtime_error("detail " + detail + " != " + str(want_error, "detail"));
  }
}

}  // namespace conformance_cpp

namespace {

using conformance_cpp::str;

/** One call: the error the case wants, or the result it wants ("" to only succeed). Throws a failure. */
void run_call(interop::Node &node, const cJSON *want_error, const std::string &fn, const std::string &args,
              std::uint32_t timeout_ms, std::string *got) {
  Ctx x{node, conf::Client(node).with_timeout(timeout_ms), {}};
  auto it = calls().find(fn);
  if (it == calls().end()) throw std::runtime_error("the C++ client has no call " + fn);
  try {
    *got = it->second(x, args);
  } catch (const interop::Error &e) {
    conformance_cpp::expect_error(want_error, e);
    return;
  }
  if (want_error != nullptr) throw std::runtime_error("expected " + str(want_error, "code") + ", got a result");
}

void run_simple(interop::Node &node, const cJSON *c) {
  const cJSON *t = cJSON_GetObjectItem(c, "timeout_ms");
  std::string got;
  run_call(node, cJSON_GetObjectItem(c, "error"), str(c, "function"), str(c, "args"),
           t != nullptr ? static_cast<std::uint32_t>(t->valuedouble) : 0, &got);
  const cJSON *want = cJSON_GetObjectItem(c, "result");
  if (cJSON_IsString(want) && got != want->valuestring)
    throw std::runtime_error("result " + got.substr(0, 400) + " != " + std::string(want->valuestring).substr(0, 400));
}

void run_oneway(interop::Node &node, const cJSON *c) {
  Ctx x{node, conf::Client(node), {}};
  x.client.note(in<std::string>(x.params<interop_conformance_note_params>(str(c, "args"), &interop_conformance_note_params_type).text));
  const cJSON *then = cJSON_GetObjectItem(c, "then");
  const std::string want = str(then, "result");
  std::string got;
  for (int i = 0; i < 250 && got != want; i++) {
    run_call(node, nullptr, str(then, "function"), str(then, "args"), 0, &got);
    if (got != want) node.run_for(20);
  }
  if (got != want) throw std::runtime_error("after the oneway call, got " + got + ", want " + want);
}

/** The events of one name, in order, as JSON text: order is promised per subscription only. */
std::string events_of(const std::vector<std::pair<std::string, std::string>> &seen, const std::string &name) {
  std::string out;
  for (const auto &[event, payload] : seen)
    if (event == name) out += "{\"event\":\"" + event + "\",\"payload\":" + (payload.empty() ? "null" : payload) + "},";
  return out;
}

void run_events(interop::Node &node, const cJSON *c) {
  conf::Client client(node);
  std::vector<std::pair<std::string, std::string>> seen, want;
  std::vector<interop::Subscription> subs;
  std::vector<std::string> names;
  const cJSON *name;
  cJSON_ArrayForEach(name, cJSON_GetObjectItem(c, "subscribe")) {
    names.push_back(name->valuestring);
    if (names.back() == "ticked")
      subs.push_back(client.on_ticked([&](const conf::Tick &t) { seen.emplace_back("ticked", text(conf::codec::Tick.encode(t, Codec::json))); }));
    else if (names.back() == "pinged")
      subs.push_back(client.on_pinged([&] { seen.emplace_back("pinged", ""); }));
    else
      throw std::runtime_error("no event " + names.back());
  }
  const cJSON *e;
  cJSON_ArrayForEach(e, cJSON_GetObjectItem(c, "events")) want.emplace_back(str(e, "event"), str(e, "payload"));
  run_simple(node, c);
  for (int i = 0; i < 250 && seen.size() < want.size(); i++) node.run_for(20);
  bool same = seen.size() == want.size();
  for (const auto &n : names) same = same && events_of(seen, n) == events_of(want, n);
  if (!same) {
    std::string a, b;
    for (const auto &n : names) a += events_of(seen, n), b += events_of(want, n);
    throw std::runtime_error("events " + a.substr(0, 450) + " != " + b.substr(0, 450));
  }
}

void run_concurrent(interop::Node &node, const cJSON *c) {
  conf::Client client(node);
  const int calls = static_cast<int>(cJSON_GetObjectItem(c, "calls")->valuedouble);
  std::vector<std::future<std::uint64_t>> futures;
  for (int i = 0; i < calls; i++) futures.push_back(client.next_count());
  std::vector<std::uint64_t> values;
  for (auto &f : futures) values.push_back(node.wait(std::move(f)));
  std::sort(values.begin(), values.end());
  for (std::size_t i = 1; i < values.size(); i++)
    if (values[i] != values[0] + i) throw std::runtime_error("results are not distinct and consecutive");
}

void run_big_echo(interop::Node &node, const cJSON *c) {
  conf::Client client(node);
  interop::Bytes data(static_cast<std::size_t>(cJSON_GetObjectItem(c, "length")->valuedouble));
  for (std::size_t i = 0; i < data.size(); i++) data[i] = static_cast<std::uint8_t>(i % 251);
  if (node.wait(client.echo_bytes(data)) != data) throw std::runtime_error("the echo of " + std::to_string(data.size()) + " bytes differs");
}

/** A case lists the transports it applies to, or applies to all (test/conformance/README.md). */
bool applies(const cJSON *c, const std::string &transport) {
  const cJSON *only = cJSON_GetObjectItem(c, "transports");
  if (only == nullptr) return true;
  const cJSON *t;
  cJSON_ArrayForEach(t, only) if (cJSON_IsString(t) && transport == t->valuestring) return true;
  return false;
}

std::string read_file(const char *path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

int main(int argc, char **argv) {
  const char *cases_path = nullptr;
  std::string transport;
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--cases") == 0 && i + 1 < argc) cases_path = argv[++i];
    else if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--transport") == 0 && i + 1 < argc) transport = argv[++i];
    else if (std::strcmp(argv[i], "--codec") == 0 && i + 1 < argc) i++;
  }
  cJSON *doc = cases_path != nullptr ? cJSON_Parse(read_file(cases_path).c_str()) : nullptr;
  if (doc == nullptr) {
    std::fprintf(stderr, "usage: client --cases PATH --transport T --codec C [--quick]\n");
    return 2;
  }
  try {
    conformance_cpp::Impl impl;  // hosted when the node config says so (the direct transport)
    interop::Node node(nullptr, {impl.module_impl()});
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItem(doc, "cases")) {
      if (quick && cJSON_IsFalse(cJSON_GetObjectItem(c, "quick"))) continue;
      if (!applies(c, transport)) continue;
      const std::string kind = str(c, "kind");
      std::string failure;
      try {
        if (kind == "call") run_simple(node, c);
        else if (kind == "oneway") run_oneway(node, c);
        else if (kind == "events") run_events(node, c);
        else if (kind == "concurrent") run_concurrent(node, c);
        else if (kind == "big_echo") run_big_echo(node, c);
        else if (!conformance_cpp::run_stream_case(node, c, kind)) failure = "unknown case kind " + kind;
      } catch (const std::exception &e) {
        failure = e.what();
      }
      cJSON *line = cJSON_CreateObject();
      cJSON_AddStringToObject(line, "case", str(c, "name").c_str());
      cJSON_AddBoolToObject(line, "ok", failure.empty());
      if (!failure.empty()) cJSON_AddStringToObject(line, "detail", failure.c_str());
      char *out = cJSON_PrintUnformatted(line);
      std::printf("%s\n", out);
      std::fflush(stdout);
      cJSON_free(out);
      cJSON_Delete(line);
    }
  } catch (const interop::Error &e) {
    std::fprintf(stderr, "client: %s\n", e.what());
    cJSON_Delete(doc);
    return 1;
  }
  cJSON_Delete(doc);
  return 0;
}
