// Hashing of generated values: interopc gen --lang cpp specializes std::hash for every struct and
// union (docs/cpp.md "Values and codecs"), so they are keys of std::unordered_map and
// std::unordered_set. Equal values (operator==) hash alike: a value's hash combines its fields',
// through these overloads for the containers the generated types use.
#ifndef INTEROP_CPP_HASH_HPP
#define INTEROP_CPP_HASH_HPP

#include <interop/cpp/values.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <variant>
#include <vector>

namespace interop {

/** Mixes `h` into `seed` (the boost::hash_combine recipe, 64-bit constant). */
inline void hash_combine(std::size_t &seed, std::size_t h) noexcept {
  seed ^= h + static_cast<std::size_t>(0x9e3779b97f4a7c15ULL) + (seed << 6) + (seed >> 2);
}

// Declared first, so each one finds the others whatever the nesting.
template <class T>
std::size_t hash_value(const T &v) noexcept;
template <class T>
std::size_t hash_value(const std::vector<T> &v) noexcept;
template <class K, class V>
std::size_t hash_value(const std::map<K, V> &m) noexcept;
template <class T>
std::size_t hash_value(const std::optional<T> &o) noexcept;
template <class... A>
std::size_t hash_value(const std::variant<A...> &v) noexcept;
inline std::size_t hash_value(const Unit &) noexcept { return 0; }

template <class T>
std::size_t hash_value(const T &v) noexcept {
  return std::hash<T>{}(v);
}
template <class T>
std::size_t hash_value(const std::vector<T> &v) noexcept {
  std::size_t seed = v.size();
  for (const auto &x : v) hash_combine(seed, hash_value(x));
  return seed;
}
template <class K, class V>
std::size_t hash_value(const std::map<K, V> &m) noexcept {
  std::size_t seed = m.size();
  for (const auto &[k, v] : m) {
    hash_combine(seed, hash_value(k));
    hash_combine(seed, hash_value(v));
  }
  return seed;
}
template <class T>
std::size_t hash_value(const std::optional<T> &o) noexcept {
  std::size_t seed = o.has_value();
  if (o) hash_combine(seed, hash_value(*o));
  return seed;
}
template <class... A>
std::size_t hash_value(const std::variant<A...> &v) noexcept {
  std::size_t seed = v.index();
  std::visit([&seed](const auto &x) { hash_combine(seed, hash_value(x)); }, v);
  return seed;
}

}  // namespace interop

#endif
