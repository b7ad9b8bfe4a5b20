// The C++ implementation of interop.conformance, on the generated Server class. Shared by the
// conformance server, the client (for the direct transport, where its own node hosts the module)
// and runtime-c's C++ tests. `unimplemented` is not overridden. The stream handlers are in
// conformance_streams.cpp.
#ifndef CONFORMANCE_IMPL_HPP
#define CONFORMANCE_IMPL_HPP

#include <cstdint>
#include <string>

#include "interop_conformance.hpp"

namespace conformance_cpp {

namespace conf = interop::conformance;

class Impl : public conf::Server {
 public:
  void echo_bool(bool v, interop::Reply<bool> reply) override { reply(v); }
  void echo_i8(std::int8_t v, interop::Reply<std::int8_t> reply) override { reply(v); }
  void echo_i16(std::int16_t v, interop::Reply<std::int16_t> reply) override { reply(v); }
  void echo_i32(std::int32_t v, interop::Reply<std::int32_t> reply) override { reply(v); }
  void echo_i64(std::int64_t v, interop::Reply<std::int64_t> reply) override { reply(v); }
  void echo_u8(std::uint8_t v, interop::Reply<std::uint8_t> reply) override { reply(v); }
  void echo_u16(std::uint16_t v, interop::Reply<std::uint16_t> reply) override { reply(v); }
  void echo_u32(std::uint32_t v, interop::Reply<std::uint32_t> reply) override { reply(v); }
  void echo_u64(std::uint64_t v, interop::Reply<std::uint64_t> reply) override { reply(v); }
  void echo_f32(float v, interop::Reply<float> reply) override { reply(v); }
  void echo_f64(double v, interop::Reply<double> reply) override { reply(v); }
  void echo_string(std::string v, interop::Reply<std::string> reply) override { reply(v); }
  void echo_bytes(interop::Bytes v, interop::Reply<interop::Bytes> reply) override { reply(v); }
  void echo_level(conf::Level v, interop::Reply<conf::Level> reply) override { reply(v); }
  void echo_list(std::vector<std::string> v, interop::Reply<std::vector<std::string>> reply) override { reply(v); }
  void echo_map(std::map<std::string, std::int64_t> v, interop::Reply<std::map<std::string, std::int64_t>> reply) override {
    reply(v);
  }
  void echo_maybe(std::optional<std::int32_t> v, interop::Reply<std::optional<std::int32_t>> reply) override { reply(v); }
  void echo_scalars(conf::Scalars v, interop::Reply<conf::Scalars> reply) override { reply(v); }
  void echo_containers(conf::Containers v, interop::Reply<conf::Containers> reply) override { reply(v); }
  void echo_optionals(conf::Optionals v, interop::Reply<conf::Optionals> reply) override { reply(v); }
  void echo_shape(conf::Shape v, interop::Reply<conf::Shape> reply) override { reply(v); }
  void echo_everything(conf::Everything v, interop::Reply<conf::Everything> reply) override { reply(v); }
  void add(std::int64_t a, std::int64_t b, interop::Reply<std::int64_t> reply) override {
    reply(static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b)));
  }
  void nothing(interop::Reply<void> reply) override { reply(); }
  void fail(std::string kind, interop::Reply<std::string> reply) override;
  void slow(std::uint32_t ms, interop::Reply<std::uint32_t> reply) override;
  void next_count(interop::Reply<std::uint64_t> reply) override { reply(++count_); }
  void note(std::string text) override { last_note_ = std::move(text); }
  void last_note(interop::Reply<std::string> reply) override { reply(last_note_); }
  void publish(std::uint32_t count, std::string text, interop::Reply<void> reply) override;
  void upload(interop::StreamReader<interop::Bytes> chunks, interop::Reply<std::uint64_t> reply) override;
  void download(std::vector<std::uint32_t> sizes, interop::StreamWriter<interop::Bytes> out, interop::Reply<void> reply) override;
  void ping_pong(interop::StreamReader<std::string> lines, interop::StreamWriter<std::string> out, interop::Reply<void> reply) override;
  void tick_stream(std::uint32_t count, std::string end, interop::StreamWriter<conf::Tick> out, interop::Reply<void> reply) override;
  void flood(std::uint32_t chunk, std::uint64_t total, interop::StreamWriter<interop::Bytes> out, interop::Reply<void> reply) override;
  void die_mid_stream(std::uint32_t count, interop::StreamWriter<conf::Tick> out, interop::Reply<void> reply) override;
  void stream_stats(interop::Reply<conf::StreamStats> reply) override { reply(stats_); }

 private:
  /** Notes in stats_ when a stream handler learns that its stream was cancelled. */
  void note_cancel(interop::Reply<void> &reply);
  std::uint64_t count_ = 0;
  std::string last_note_;
  conf::StreamStats stats_{};
};

}  // namespace conformance_cpp

#endif
