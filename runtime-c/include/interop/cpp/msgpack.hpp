// msgpack straight from and to the C++ value types (ADR 0030): no C struct in between. The bytes
// are written and read by runtime-c's own msgpack pieces (interop/msgpack.h), so the canonical
// forms, checks, limits and error messages are the C codec's; what is here is only the walk over
// std::string, std::vector, std::map, std::optional and std::variant.
//
// The walk is chosen by a tag type interopc generates from the IDL type, since one C++ type can
// stand for two IDL types (interop::Bytes is IDL `bytes` and `list<u8>`):
//   Int<T> Float<T> Bool Str Bin Enum<E> List<Tag> Map<KeyTag, ValueTag> Opt<Tag> Decl<T>
// Decl<T> is a declared struct, error or union: the generated interop_mp_write / interop_mp_read
// overloads of its namespace, found by argument-dependent lookup.
#ifndef INTEROP_CPP_MSGPACK_HPP
#define INTEROP_CPP_MSGPACK_HPP

#include <interop/msgpack.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <tuple>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace interop {
namespace mp {

using Writer = interop_mp_writer;
using Reader = interop_mp_reader;

/** A failure inside field or case `name`: its path segment, then the code. */
inline int at_field(Writer *w, int rc, const char *name) {
  interop_path_field(&w->path, name);
  return rc;
}
inline int at_field(Reader *r, int rc, const char *name) {
  interop_path_field(&r->path, name);
  return rc;
}

template <class T>
struct Int {
  static_assert(std::is_integral_v<T>, "Int<T>: an integer type");
  static const char *name() {
    if constexpr (std::is_signed_v<T>) return sizeof(T) == 1 ? "i8" : sizeof(T) == 2 ? "i16" : sizeof(T) == 4 ? "i32" : "i64";
    else return sizeof(T) == 1 ? "u8" : sizeof(T) == 2 ? "u16" : sizeof(T) == 4 ? "u32" : "u64";
  }
  static int write(Writer *w, T v) {
    if constexpr (std::is_signed_v<T>) interop_mp_put_int(w->out, v);
    else interop_mp_put_uint(w->out, v);
    return INTEROP_OK;
  }
  static int read(Reader *r, T &out) {
    int rc;
    if constexpr (std::is_signed_v<T>) {
      std::int64_t v;
      rc = interop_mp_get_int(r, std::numeric_limits<T>::min(), std::numeric_limits<T>::max(), name(), &v);
      out = static_cast<T>(v);
    } else {
      std::uint64_t v;
      rc = interop_mp_get_uint(r, std::numeric_limits<T>::max(), name(), &v);
      out = static_cast<T>(v);
    }
    return rc;
  }
};

/** An enum class, kept open: every i32 reads back (unknown members included). */
template <class E>
struct Enum {
  static int write(Writer *w, E v) {
    interop_mp_put_int(w->out, static_cast<std::int32_t>(v));
    return INTEROP_OK;
  }
  static int read(Reader *r, E &out) {
    std::int64_t v;
    int rc = interop_mp_get_int(r, INT32_MIN, INT32_MAX, "enum", &v);
    out = static_cast<E>(static_cast<std::int32_t>(v));
    return rc;
  }
};

template <class T>
struct Float {
  static int write(Writer *w, T v) {
    if constexpr (std::is_same_v<T, float>) interop_mp_put_f32(w->out, v);
    else interop_mp_put_f64(w->out, v);
    return INTEROP_OK;
  }
  static int read(Reader *r, T &out) {
    double d;
    int rc = interop_mp_get_f64(r, &d);
    out = static_cast<T>(d);
    return rc;
  }
};

struct Bool {
  static int write(Writer *w, bool v) {
    interop_mp_put_bool(w->out, v);
    return INTEROP_OK;
  }
  static int read(Reader *r, bool &out) { return interop_mp_get_bool(r, &out); }
};

struct Str {
  static int write(Writer *w, const std::string &v) { return interop_mp_put_str(w, v.data(), v.size()); }
  static int read(Reader *r, std::string &out) {
    const char *p;
    std::size_t n;
    int rc = interop_mp_get_str(r, &p, &n);
    // clear + append: assign's general replace (overlap checks) showed in profiles.
    if (rc == INTEROP_OK) {
      out.clear();
      out.append(p, n);
    }
    return rc;
  }
};

struct Bin {
  static int write(Writer *w, const std::vector<std::uint8_t> &v) { return interop_mp_put_bin(w, v.data(), v.size()); }
  static int read(Reader *r, std::vector<std::uint8_t> &out) {
    const std::uint8_t *p;
    std::size_t n;
    int rc = interop_mp_get_bin(r, &p, &n);
    if (rc == INTEROP_OK) out.assign(p, p + n);
    return rc;
  }
};

template <class T>
struct Decl {
  static int write(Writer *w, const T &v) { return interop_mp_write(w, v); }
  static int read(Reader *r, T &out) { return interop_mp_read(r, out); }
};

template <class Tag>
struct List {
  template <class V>
  static int write(Writer *w, const V &v) {
    int rc = interop_mp_begin_list(w, v.size());
    for (std::size_t i = 0; rc == INTEROP_OK && i < v.size(); i++)
      if ((rc = Tag::write(w, v[i])) != INTEROP_OK) interop_path_index(&w->path, i);
    if (rc == INTEROP_OK) interop_mp_end(w);
    return rc;
  }
  template <class V>
  static int read(Reader *r, V &out) {
    std::uint64_t n;
    int rc = interop_mp_get_list(r, &n);
    if (rc != INTEROP_OK) return rc;
    out.clear();
    out.reserve(static_cast<std::size_t>(n));  // n is at most the bytes left (checked)
    for (std::uint64_t i = 0; i < n; i++) {
      // Read in place: no temporary to move and destroy (the value is refused whole on failure);
      // std::vector<bool> has no element to refer to.
      if constexpr (std::is_same_v<typename V::value_type, bool>) {
        bool item = false;
        if ((rc = Tag::read(r, item)) == INTEROP_OK) out.push_back(item);
      } else {
        rc = Tag::read(r, out.emplace_back());
      }
      if (rc != INTEROP_OK) {
        interop_path_index(&r->path, static_cast<std::size_t>(i));
        return rc;
      }
    }
    interop_mp_leave(r);
    return INTEROP_OK;
  }
};

namespace detail {
inline int duplicate_key(Reader *r, const std::string &k) {
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "map key \"%.*s\" given twice", static_cast<int>(k.size() > 64 ? 64 : k.size()), k.data());
}
template <class K>
int duplicate_key(Reader *r, const K &k) {
  if constexpr (std::is_enum_v<K> || std::is_signed_v<K>)
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "map key %lld given twice", static_cast<long long>(k));
  else
    return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "map key %llu given twice", static_cast<unsigned long long>(k));
}
}  // namespace detail

/** std::map's order is the canonical one (integers and enums numerically, strings by bytes). */
template <class KeyTag, class ValueTag>
struct Map {
  template <class M>
  static int write(Writer *w, const M &m) {
    int rc = interop_mp_begin_map(w, m.size());
    std::size_t i = 0;
    for (auto it = m.begin(); rc == INTEROP_OK && it != m.end(); ++it, ++i)
      if ((rc = KeyTag::write(w, it->first)) != INTEROP_OK || (rc = ValueTag::write(w, it->second)) != INTEROP_OK)
        interop_path_index(&w->path, i);
    if (rc == INTEROP_OK) interop_mp_end(w);
    return rc;
  }
  /** A key given twice is refused once the map is read, naming the smallest such key (as C does). */
  template <class M>
  static int read(Reader *r, M &out) {
    std::uint64_t n;
    int rc = interop_mp_get_map(r, &n);
    if (rc != INTEROP_OK) return rc;
    out.clear();
    std::optional<typename M::key_type> twice;
    typename M::key_type key{};
    for (std::uint64_t i = 0; i < n; i++) {
      if ((rc = KeyTag::read(r, key)) == INTEROP_OK) {
        // Canonical input comes in ascending order: then the entry goes at the end, its value
        // read in place (no temporary to move and destroy).
        auto hint = out.end();
        if (!out.empty() && !(std::prev(hint)->first < key)) hint = out.lower_bound(key);
        if (hint != out.end() && !(key < hint->first)) {
          if (!twice || key < *twice) twice = key;
          typename M::mapped_type ignored{};
          rc = ValueTag::read(r, ignored);
        } else {
          auto it = out.emplace_hint(hint, std::piecewise_construct, std::forward_as_tuple(std::move(key)), std::forward_as_tuple());
          rc = ValueTag::read(r, it->second);
        }
      }
      if (rc != INTEROP_OK) {
        interop_path_index(&r->path, static_cast<std::size_t>(i));
        return rc;
      }
    }
    interop_mp_leave(r);
    return twice ? detail::duplicate_key(r, *twice) : INTEROP_OK;
  }
};

template <class Tag>
struct Opt {
  template <class O>
  static int write(Writer *w, const O &v) {
    if (!v) {
      interop_mp_put_nil(w->out);
      return INTEROP_OK;
    }
    return Tag::write(w, *v);
  }
  template <class O>
  static int read(Reader *r, O &out) {
    if (interop_mp_take_nil(r)) {
      out.reset();
      return INTEROP_OK;
    }
    int rc = Tag::read(r, out.emplace());
    if (rc != INTEROP_OK) out.reset();
    return rc;
  }
};

/** A struct or union field of that type the input did not give (it has no zero value). */
inline int missing_field(Reader *r, const char *type, const char *field, const char *field_type) {
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: missing field %s (of type %s)", type, field, field_type);
}
inline int field_twice(Reader *r, std::uint32_t id) {
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "field id %u given twice", id);
}
inline int unknown_case(Reader *r, const char *type) {
  return interop_error_set(r->err, INTEROP_INVALID_ARGUMENT, "%s: unknown union case", type);
}
inline int no_case(Writer *w, const char *type) {
  return interop_error_set(w->err, INTEROP_INVALID_ARGUMENT, "%s holds no case (which = 0)", type);
}

/** Appends the msgpack of `v` (a value of tag `Tag`) to `out`; the code, with `err` set on failure. */
template <class Tag, class T>
int encode(const T &v, std::uint32_t max_depth, interop_buf *out, interop_error *err) {
  Writer w;
  interop_mp_writer_init(&w, out, max_depth, err);
  std::size_t len = out->len;
  int rc = Tag::write(&w, v);
  if (rc == INTEROP_OK && out->failed) rc = interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "out of memory");
  if (rc != INTEROP_OK && !out->failed) out->len = len;  // as interop_encode: out is left as it was
  return interop_mp_writer_done(&w, rc);
}

/** Decodes exactly one value of tag `Tag` from `data` into `out` (a fresh value: missing fields keep their defaults). */
template <class Tag, class T>
int decode(const std::uint8_t *data, std::size_t len, std::uint32_t max_depth, T &out, interop_error *err) {
  interop_arena scratch = INTEROP_ARENA_INIT;
  Reader r;
  interop_mp_reader_init(&r, data, len, max_depth, &scratch, err);
  int rc = interop_mp_reader_done(&r, Tag::read(&r, out));
  interop_arena_free(&scratch);
  return rc;
}

}  // namespace mp
}  // namespace interop

#endif
