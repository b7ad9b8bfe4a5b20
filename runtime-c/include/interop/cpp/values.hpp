// Values of the C++ layer (docs/cpp.md "Type mapping", ADR 0022): RAII owners of runtime-c's
// arena and buffer, and the conversions between the C++ value types that interopc generates
// (std::string, std::vector, std::map, std::optional, std::variant) and the C structs of
// runtime-c (values.h). There is no second wire implementation: a C++ value is converted to its
// C struct (strings and bytes borrowed, not copied) and runtime-c's codec encodes it; decoding
// runs runtime-c's decoder into an arena and converts the result to C++.
//
// Generated code adds one interop_to_c / interop_from_c overload per declared type, in the
// type's namespace; the templates here find them by argument-dependent lookup.
#ifndef INTEROP_CPP_VALUES_HPP
#define INTEROP_CPP_VALUES_HPP

#include <interop/cpp/error.hpp>
#include <interop/cpp/msgpack.hpp>
#include <interop/interop.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace interop {

/** IDL `bytes`. (IDL `list<u8>` is the same C++ type: the schema decides the encoding.) */
using Bytes = std::vector<std::uint8_t>;

/** The value of a unit union case (a case without a type). */
struct Unit {
  bool operator==(const Unit &) const { return true; }
  bool operator!=(const Unit &) const { return false; }
};

/** docs/wire.md §1.2 */
enum class Codec : std::uint32_t {
  json = INTEROP_CODEC_JSON,
  msgpack = INTEROP_CODEC_MSGPACK,
  protobuf = INTEROP_CODEC_PROTOBUF,
  flatbuffers = INTEROP_CODEC_FLATBUFFERS
};

/**
 * An interop_arena: everything a conversion to C or a decode allocates, freed at once. Owns its
 * arena (conversions then borrow the strings and bytes of the C++ value, which outlives the
 * arena), or borrows one that outlives the C++ value (a call's arena, freed by runtime-c: strings
 * and bytes are then copied into it). Not copyable or movable.
 */
class Arena {
 public:
  Arena() : arena_(&own_) { interop_arena_init(&own_); }
  explicit Arena(interop_arena *borrowed) : arena_(borrowed), copies_(true) { interop_arena_init(&own_); }
  ~Arena() { interop_arena_free(&own_); }
  Arena(const Arena &) = delete;
  Arena &operator=(const Arena &) = delete;

  interop_arena *get() noexcept { return arena_; }
  /** Whether strings and bytes must be copied into the arena rather than borrowed. */
  bool copies() const noexcept { return copies_; }
  /** Zeroed room for `n` values of T (a C type); throws std::bad_alloc when out of memory. */
  template <class T>
  T *alloc(std::size_t n) {
    if (n == 0) return nullptr;
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_alloc();
    void *p = interop_arena_alloc(arena_, n * sizeof(T), alignof(T) < 16 ? alignof(T) : 16);
    if (p == nullptr) throw std::bad_alloc();
    return static_cast<T *>(p);
  }

 private:
  interop_arena own_;
  interop_arena *arena_;
  bool copies_ = false;
};

/** An interop_buf: what runtime-c's encoders write into. Move-only. */
class Buffer {
 public:
  Buffer() { interop_buf_init(&buf_); }
  ~Buffer() { interop_buf_free(&buf_); }
  Buffer(Buffer &&o) noexcept : buf_(o.buf_) { interop_buf_init(&o.buf_); }
  Buffer &operator=(Buffer &&o) noexcept {
    std::swap(buf_, o.buf_);
    return *this;
  }
  Buffer(const Buffer &) = delete;
  Buffer &operator=(const Buffer &) = delete;

  interop_buf *get() noexcept { return &buf_; }
  const std::uint8_t *data() const noexcept { return buf_.data; }
  std::size_t size() const noexcept { return buf_.len; }
  Bytes bytes() const { return buf_.len == 0 ? Bytes() : Bytes(buf_.data, buf_.data + buf_.len); }

 private:
  interop_buf buf_;
};

// ---- C++ -> C: values are borrowed (strings, bytes) or copied into the arena (containers).

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> interop_to_c(const T &v, T *out, Arena &) { *out = v; }
template <class E>
std::enable_if_t<std::is_enum_v<E>> interop_to_c(const E &v, std::int32_t *out, Arena &) {
  *out = static_cast<std::int32_t>(v);
}
inline void interop_to_c(const std::string &v, interop_str *out, Arena &a) {
  const char *p = v.data();
  if (a.copies() && (p = interop_arena_strndup(a.get(), v.data(), v.size())) == nullptr) throw std::bad_alloc();
  *out = interop_str{p, v.size()};
}
inline void interop_to_c(const Bytes &v, interop_bytes *out, Arena &a) {
  const std::uint8_t *p = v.data();
  if (a.copies() && !v.empty()) {
    std::uint8_t *copy = a.alloc<std::uint8_t>(v.size());
    std::memcpy(copy, v.data(), v.size());
    p = copy;
  }
  *out = interop_bytes{p, v.size()};
}
template <class T, class C>
auto interop_to_c(const std::vector<T> &v, C *out, Arena &a) -> decltype(out->items, void());
template <class K, class V, class C>
auto interop_to_c(const std::map<K, V> &v, C *out, Arena &a) -> decltype(out->keys, void());
template <class T, class C>
auto interop_to_c(const std::optional<T> &v, C *out, Arena &a) -> decltype(out->has, void());
template <class T, class C>
void interop_to_c(const std::optional<T> &v, C **out, Arena &a);

template <class T, class C>
auto interop_to_c(const std::vector<T> &v, C *out, Arena &a) -> decltype(out->items, void()) {
  using Item = std::remove_pointer_t<decltype(out->items)>;
  out->items = a.alloc<Item>(v.size());
  out->len = v.size();
  for (std::size_t i = 0; i < v.size(); i++) interop_to_c(static_cast<const T &>(v[i]), &out->items[i], a);
}
template <class K, class V, class C>
auto interop_to_c(const std::map<K, V> &v, C *out, Arena &a) -> decltype(out->keys, void()) {
  out->keys = a.alloc<std::remove_pointer_t<decltype(out->keys)>>(v.size());
  out->values = a.alloc<std::remove_pointer_t<decltype(out->values)>>(v.size());
  out->len = v.size();
  std::size_t i = 0;
  for (const auto &[key, value] : v) {
    interop_to_c(key, &out->keys[i], a);
    interop_to_c(value, &out->values[i], a);
    i++;
  }
}
template <class T, class C>
auto interop_to_c(const std::optional<T> &v, C *out, Arena &a) -> decltype(out->has, void()) {
  out->has = v.has_value();
  if (v) interop_to_c(*v, &out->value, a);
}
/** An optional struct or union: a pointer in C (NULL = absent). */
template <class T, class C>
void interop_to_c(const std::optional<T> &v, C **out, Arena &a) {
  *out = nullptr;
  if (!v) return;
  C *p = a.alloc<C>(1);
  interop_to_c(*v, p, a);
  *out = p;
}

// ---- C -> C++: everything is copied out, so the arena can go.

template <class T>
std::enable_if_t<std::is_arithmetic_v<T>> interop_from_c(const T &in, T &out) { out = in; }
template <class E>
std::enable_if_t<std::is_enum_v<E>> interop_from_c(const std::int32_t &in, E &out) { out = static_cast<E>(in); }
inline void interop_from_c(const interop_str &in, std::string &out) {
  if (in.len == 0) out.clear();
  else out.assign(in.ptr, in.len);
}
inline void interop_from_c(const interop_bytes &in, Bytes &out) {
  if (in.len == 0) out.clear();
  else out.assign(in.ptr, in.ptr + in.len);
}
template <class T, class C>
auto interop_from_c(const C &in, std::vector<T> &out) -> decltype(in.items, void());
template <class K, class V, class C>
auto interop_from_c(const C &in, std::map<K, V> &out) -> decltype(in.keys, void());
template <class T, class C>
auto interop_from_c(const C &in, std::optional<T> &out) -> decltype(in.has, void());
template <class T, class C>
void interop_from_c(C *const &in, std::optional<T> &out);

template <class T, class C>
auto interop_from_c(const C &in, std::vector<T> &out) -> decltype(in.items, void()) {
  out.clear();
  out.reserve(in.len);
  for (std::size_t i = 0; i < in.len; i++) {
    T item{};
    interop_from_c(in.items[i], item);
    out.push_back(std::move(item));
  }
}
template <class K, class V, class C>
auto interop_from_c(const C &in, std::map<K, V> &out) -> decltype(in.keys, void()) {
  out.clear();
  for (std::size_t i = 0; i < in.len; i++) {
    K key{};
    V value{};
    interop_from_c(in.keys[i], key);
    interop_from_c(in.values[i], value);
    out.emplace_hint(out.end(), std::move(key), std::move(value));  // decoded maps come sorted
  }
}
template <class T, class C>
auto interop_from_c(const C &in, std::optional<T> &out) -> decltype(in.has, void()) {
  if (!in.has) {
    out.reset();
    return;
  }
  T value{};
  interop_from_c(in.value, value);
  out = std::move(value);
}
template <class T, class C>
void interop_from_c(C *const &in, std::optional<T> &out) {
  if (in == nullptr) {
    out.reset();
    return;
  }
  T value{};
  interop_from_c(*in, value);
  out = std::move(value);
}

/**
 * The codec of one declared type: C++ type T, its C struct C, runtime-c's descriptor of it and the
 * tag of its msgpack walk (interop/cpp/msgpack.hpp). interopc generates one per declared type
 * (`<module namespace>::codec::<Type>`):
 *   auto bytes = example::chat::codec::Message.encode(message, interop::Codec::msgpack);
 *   example::chat::Message back = example::chat::codec::Message.decode(bytes, interop::Codec::msgpack);
 * Bad values and bad input throw interop::Error (INVALID_ARGUMENT, RESOURCE_EXHAUSTED), as in C.
 * msgpack goes straight between the C++ value and the bytes (ADR 0030); JSON, protobuf and flatbuffers through
 * the C struct and runtime-c's codecs (ADR 0022). Without a tag (`TypeCodec<T, C>`), msgpack goes through
 * the C struct too.
 */
template <class T, class C, class Tag = void>
struct TypeCodec {
  static constexpr std::size_t kScratchKeep = 4u << 20;
  const interop_type *type;

  /** Appends the encoding of `value` to `out` (reusing its room: what a loop of encodes wants). */
  void encode_to(const T &value, Codec codec, Buffer &out, std::uint32_t max_depth = INTEROP_DEFAULT_MAX_DEPTH) const {
    interop_error err;
    if constexpr (!std::is_void_v<Tag>) {
      if (codec == Codec::msgpack) return check(mp::encode<Tag>(value, max_depth, out.get(), &err), err);
    }
    Arena arena;
    C c{};
    interop_to_c(value, &c, arena);
    check(interop_encode(type, &c, static_cast<interop_codec>(codec), max_depth, out.get(), &err), err);
  }
  Bytes encode(const T &value, Codec codec, std::uint32_t max_depth = INTEROP_DEFAULT_MAX_DEPTH) const {
    // One scratch buffer per thread, so an encode does not grow a fresh buffer from nothing (a
    // large one kept afterwards is let go: at most kScratchKeep bytes stay per thread).
    thread_local Buffer scratch;
    scratch.get()->len = 0;
    struct Trim {
      Buffer &b;
      ~Trim() {
        if (b.get()->cap > kScratchKeep) b = Buffer();
      }
    } trim{scratch};
    encode_to(value, codec, scratch, max_depth);
    return scratch.bytes();
  }
  T decode(const std::uint8_t *data, std::size_t len, Codec codec,
           std::uint32_t max_depth = INTEROP_DEFAULT_MAX_DEPTH) const {
    static const std::uint8_t nothing = 0;
    if (data == nullptr) data = &nothing;  // an empty std::vector's data(): runtime-c wants a pointer
    interop_error err;
    T value{};
    if constexpr (!std::is_void_v<Tag>) {
      if (codec == Codec::msgpack) {
        check(mp::decode<Tag>(data, len, max_depth, value, &err), err);
        return value;
      }
    }
    Arena arena;
    C c{};
    check(interop_decode(type, data, len, static_cast<interop_codec>(codec), max_depth, arena.get(), &c, &err), err);
    interop_from_c(c, value);
    return value;
  }
  T decode(const Bytes &data, Codec codec) const { return decode(data.data(), data.size(), codec); }
  T decode(const std::string &data, Codec codec) const {
    return decode(reinterpret_cast<const std::uint8_t *>(data.data()), data.size(), codec);
  }
};

}  // namespace interop

#endif
