// The stream cases of the C++ conformance client (test/conformance/README.md, kinds client_stream,
// server_stream, ping_pong, ticks, cancel_by_caller, flood), through the generated stream methods
// (docs/cpp.md "Streams").
#include "client_streams.hpp"

#include <chrono>
#include <optional>
#include <stdexcept>

namespace conformance_cpp {

namespace {

double wall_ms() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

double num(const cJSON *c, const char *key) { return cJSON_GetObjectItem(c, key)->valuedouble; }

interop::Bytes chunk(std::size_t size) {
  interop::Bytes data(size);
  for (std::size_t i = 0; i < size; i++) data[i] = static_cast<std::uint8_t>(i % 251);
  return data;
}

/** The case's function parameters, decoded from its canonical JSON args into the C params. */
template <class CParams>
struct Args {
  interop::Arena arena;
  CParams p{};
  Args(const cJSON *c, const interop_type *type) {
    const std::string text = str(c, "args");
    interop_error err;
    interop::check(interop_decode(type, reinterpret_cast<const std::uint8_t *>(text.data()), text.size(), INTEROP_CODEC_JSON,
                                  INTEROP_DEFAULT_MAX_DEPTH, arena.get(), &p, &err),
                   err);
  }
};

template <class T, class C>
T in(const C &c) {
  using interop::interop_from_c;
  T value{};
  interop_from_c(c, value);
  return value;
}

/** The case's client: with its timeout_ms when it has one. */
conf::Client client_for(interop::Node &node, const cJSON *c) {
  const cJSON *t = cJSON_GetObjectItem(c, "timeout_ms");
  return conf::Client(node).with_timeout(t != nullptr ? static_cast<std::uint32_t>(t->valuedouble) : 0);
}

void client_stream(interop::Node &node, const cJSON *c) {
  auto s = client_for(node, c).upload();
  const cJSON *size;
  cJSON_ArrayForEach(size, cJSON_GetObjectItem(c, "sizes")) {
    if (!s.write(chunk(static_cast<std::size_t>(size->valuedouble)))) throw std::runtime_error("the callee answered before the end");
  }
  const std::string got = "\"" + std::to_string(s.finish()) + "\"";  // a u64 in canonical JSON
  if (got != str(c, "result")) throw std::runtime_error("result " + got + " != " + str(c, "result"));
}

void server_stream(interop::Node &node, const cJSON *c) {
  Args<interop_conformance_download_params> a(c, &interop_conformance_download_params_type);
  auto s = client_for(node, c).download(in<std::vector<std::uint32_t>>(a.p.sizes));
  const cJSON *want = cJSON_GetObjectItem(c, "sizes");
  int i = 0;
  while (std::optional<interop::Bytes> item = s.next()) {
    const cJSON *size = cJSON_GetArrayItem(want, i++);
    if (size == nullptr || *item != chunk(static_cast<std::size_t>(size->valuedouble)))
      throw std::runtime_error("chunk " + std::to_string(i - 1) + " is not the expected one");
  }
  if (i != cJSON_GetArraySize(want)) throw std::runtime_error("fewer chunks than expected");
  s.finish();
}

void ping_pong(interop::Node &node, const cJSON *c) {
  auto s = client_for(node, c).ping_pong();
  const cJSON *line;
  cJSON_ArrayForEach(line, cJSON_GetObjectItem(c, "lines")) {
    const std::string text = line->valuestring;
    if (!s.write(text)) throw std::runtime_error("the callee answered before the end");
    std::optional<std::string> answer = s.next();
    if (answer != "pong " + text) throw std::runtime_error("answer to " + text + " is not pong " + text);
  }
  s.end();
  if (s.next()) throw std::runtime_error("no clean end after the answers");
  s.finish();
}

/** tick_stream or die_mid_stream with the case's args. */
interop::Stream<void, conf::Tick, void> open_ticks(interop::Node &node, const cJSON *c) {
  conf::Client client = client_for(node, c);
  if (str(c, "function") == "die_mid_stream") {
    Args<interop_conformance_die_mid_stream_params> a(c, &interop_conformance_die_mid_stream_params_type);
    return client.die_mid_stream(a.p.count);
  }
  Args<interop_conformance_tick_stream_params> a(c, &interop_conformance_tick_stream_params_type);
  return client.tick_stream(a.p.count, in<std::string>(a.p.end));
}

/** Takes ticks until the stream ends or `stop_at` arrived: how many (so far when it throws), the last one's text as a number. */
void read_ticks(interop::Stream<void, conf::Tick, void> &s, std::uint32_t stop_at, std::uint32_t &got, double *last) {
  got = 0;
  while (std::optional<conf::Tick> t = s.next()) {
    if (t->n != got + 1) throw std::runtime_error("ticks out of order");
    got = t->n;
    *last = std::stod(t->text);
    if (got == stop_at) break;
  }
}

void ticks(interop::Node &node, const cJSON *c) {
  auto s = open_ticks(node, c);
  std::uint32_t got = 0;
  double last = 0;
  try {
    read_ticks(s, 0, got, &last);
    s.finish();
    if (cJSON_GetObjectItem(c, "error") != nullptr) throw std::runtime_error("expected " + str(cJSON_GetObjectItem(c, "error"), "code") + ", got the end");
  } catch (const interop::Error &e) {
    const double learned = wall_ms();
    expect_error(cJSON_GetObjectItem(c, "error"), e);
    const cJSON *within = cJSON_GetObjectItem(c, "within_ms");
    if (within != nullptr && learned - last >= within->valuedouble)
      throw std::runtime_error("learned of the end " + std::to_string(learned - last) + " ms after the last tick");
  }
  if (got != static_cast<std::uint32_t>(num(c, "count"))) throw std::runtime_error(std::to_string(got) + " ticks");
}

conf::StreamStats stats(interop::Node &node) { return node.wait(conf::Client(node).stream_stats()); }

void cancel_by_caller(interop::Node &node, const cJSON *c) {
  auto s = open_ticks(node, c);
  double last = 0;
  std::uint32_t got = 0;
  read_ticks(s, static_cast<std::uint32_t>(num(c, "count")), got, &last);
  const double stopped = wall_ms();
  s.cancel();
  for (double end = wall_ms() + 5000; wall_ms() < end; node.run_for(5)) {
    const double at = stats(node).cancelled_at_ms;
    if (at < stopped) continue;
    if (at - stopped >= num(c, "within_ms")) throw std::runtime_error("the callee learned of the cancel too late");
    return;
  }
  throw std::runtime_error("the callee never learned that the stream was cancelled");
}

void flood(interop::Node &node, const cJSON *c) {
  Args<interop_conformance_flood_params> a(c, &interop_conformance_flood_params_type);
  auto s = client_for(node, c).flood(a.p.chunk, a.p.total);
  const auto read = static_cast<std::uint64_t>(num(c, "read")), window = static_cast<std::uint64_t>(num(c, "window"));
  for (std::uint64_t i = 0; i < read; i++) s.next();
  // The producer runs on as far as credit lets it: at least half a window ahead, never more than a window.
  std::uint64_t produced = 0;
  for (double end = wall_ms() + 10000; wall_ms() < end && produced < read + window / 2; node.run_for(20)) produced = stats(node).flood_produced;
  node.run_for(300);
  produced = stats(node).flood_produced;
  if (produced > read + window || produced < read + window / 2) throw std::runtime_error("the producer made " + std::to_string(produced) + " items");
  for (std::uint64_t i = 0; i < window; i++)
    if (!s.next()) throw std::runtime_error("the stream ended early");
}

}  // namespace

bool run_stream_case(interop::Node &node, const cJSON *c, const std::string &kind) {
  if (kind == "client_stream") client_stream(node, c);
  else if (kind == "server_stream") server_stream(node, c);
  else if (kind == "ping_pong") ping_pong(node, c);
  else if (kind == "ticks") ticks(node, c);
  else if (kind == "cancel_by_caller") cancel_by_caller(node, c);
  else if (kind == "flood") flood(node, c);
  else return false;
  return true;
}

}  // namespace conformance_cpp
