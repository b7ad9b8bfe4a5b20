// msgpack-cxx (Debian libmsgpack-cxx-dev) as the C++ codec suite's peer: the bench shapes packed
// and unpacked with its C++ API, as a C++ user of that library writes it (std:: containers through
// pack() and convert(), which check the types they read), in the same layout as ours (a struct is
// a map of field id → value, docs/wire.md §2), into the same generated C++ types. It checks less
// than ours: no UTF-8 check, no limits of docs/wire.md §5, unknown fields not validated.
#ifndef BENCH_CPP_PEER_MSGPACK_CXX_HPP
#define BENCH_CPP_PEER_MSGPACK_CXX_HPP

#define MSGPACK_NO_BOOST 1
#include <msgpack.hpp>

#include "shapes.hpp"

namespace bench_cpp::mpcxx {

using Packer = msgpack::packer<msgpack::sbuffer>;

inline void pack(Packer &pk, const shapes::Small &v) {
  pk.pack_map(5);
  pk.pack(1), pk.pack(v.id);
  pk.pack(2), pk.pack(v.name);
  pk.pack(3), pk.pack(v.active);
  pk.pack(4), pk.pack(v.score);
  pk.pack(5), pk.pack(v.delta);
}

inline void pack(Packer &pk, const shapes::Item &v) {
  pk.pack_map(4);
  pk.pack(1), pk.pack(v.id);
  pk.pack(2), pk.pack(v.label);
  pk.pack(3), pk.pack(v.price);
  pk.pack(4), pk.pack(v.tags);
}

inline void pack(Packer &pk, const shapes::Nested &v) {
  pk.pack_map(6);
  pk.pack(1), pk.pack(v.id);
  pk.pack(2), pk.pack(v.title);
  pk.pack(3), pack(pk, v.owner);
  pk.pack(4), pk.pack_array(static_cast<std::uint32_t>(v.items.size()));
  for (const auto &item : v.items) pack(pk, item);
  pk.pack(5), pk.pack(v.attrs);
  pk.pack(6), pk.pack(v.counts);
}

inline void pack(Packer &pk, const shapes::Blob &v) {
  pk.pack_map(2);
  pk.pack(1), pk.pack(v.id);
  pk.pack(2), pk.pack_bin(static_cast<std::uint32_t>(v.data.size()));
  pk.pack_bin_body(reinterpret_cast<const char *>(v.data.data()), static_cast<std::uint32_t>(v.data.size()));
}

/** Calls f(field id, value) for each entry of a struct's map; throws msgpack::type_error otherwise. */
template <class F>
void fields(const msgpack::object &o, F f) {
  if (o.type != msgpack::type::MAP) throw msgpack::type_error();
  for (std::uint32_t i = 0; i < o.via.map.size; i++) f(o.via.map.ptr[i].key.as<std::uint32_t>(), o.via.map.ptr[i].val);
}

inline void unpack(const msgpack::object &o, shapes::Small &v) {
  fields(o, [&](std::uint32_t id, const msgpack::object &x) {
    if (id == 1) x.convert(v.id);
    else if (id == 2) x.convert(v.name);
    else if (id == 3) x.convert(v.active);
    else if (id == 4) x.convert(v.score);
    else if (id == 5) x.convert(v.delta);
  });
}

inline void unpack(const msgpack::object &o, shapes::Item &v) {
  fields(o, [&](std::uint32_t id, const msgpack::object &x) {
    if (id == 1) x.convert(v.id);
    else if (id == 2) x.convert(v.label);
    else if (id == 3) x.convert(v.price);
    else if (id == 4) x.convert(v.tags);
  });
}

inline void unpack(const msgpack::object &o, shapes::Nested &v) {
  fields(o, [&](std::uint32_t id, const msgpack::object &x) {
    if (id == 1) x.convert(v.id);
    else if (id == 2) x.convert(v.title);
    else if (id == 3) unpack(x, v.owner);
    else if (id == 4) {
      if (x.type != msgpack::type::ARRAY) throw msgpack::type_error();
      v.items.resize(x.via.array.size);
      for (std::uint32_t i = 0; i < x.via.array.size; i++) unpack(x.via.array.ptr[i], v.items[i]);
    } else if (id == 5) x.convert(v.attrs);
    else if (id == 6) x.convert(v.counts);
  });
}

inline void unpack(const msgpack::object &o, shapes::Blob &v) {
  fields(o, [&](std::uint32_t id, const msgpack::object &x) {
    if (id == 1) x.convert(v.id);
    else if (id == 2) {
      if (x.type != msgpack::type::BIN) throw msgpack::type_error();
      v.data.assign(x.via.bin.ptr, x.via.bin.ptr + x.via.bin.size);
    }
  });
}

/** Decodes one shape from bytes (msgpack::unpack's zone, then the C++ value). */
template <class T>
T decode(const char *data, std::size_t len) {
  msgpack::object_handle oh = msgpack::unpack(data, len);
  T v{};
  unpack(oh.get(), v);
  return v;
}

}  // namespace bench_cpp::mpcxx

#endif
