// Every payload vector of test/vectors/payloads.json through the generated C++ types: decoded
// into the C++ value and encoded again from it, byte for byte, in both codecs and across them;
// decode-only vectors to their canonical form; reject vectors as an interop::Error of their code
// and, for msgpack (C++ values straight from the bytes, ADR 0028), of runtime-c's C message too.
// protobuf (through the C struct): the golden bytes of test/vectors/protobuf.json both ways, and
// its reject vectors with the code and message of the C decoder.
#include <gtest/gtest.h>
#include <cjson/cJSON.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "interop_vectors.hpp"

namespace {

namespace v = interop::vectors;
using interop::Bytes;
using interop::Codec;

/** Decodes `in` into the C++ type and encodes that value in `to`. */
using RoundTrip = std::function<Bytes(const Bytes &in, Codec from, Codec to)>;

/** A vector type: its C++ round trip and runtime-c's descriptor of its C struct. */
struct Type {
  RoundTrip rt;
  const interop_type *c;
};

template <class TypeCodec>
Type through(const TypeCodec &codec) {
  return {[&codec](const Bytes &in, Codec from, Codec to) { return codec.encode(codec.decode(in, from), to); }, codec.type};
}

/** What runtime-c's C decoder says of `in` (INTEROP_OK and "" when it decodes). */
std::pair<int, std::string> c_decode(const interop_type *type, const Bytes &in, Codec codec) {
  std::vector<std::max_align_t> out(type->size / sizeof(std::max_align_t) + 1);
  interop::Arena arena;
  interop_error err{};
  static const std::uint8_t nothing = 0;
  int rc = interop_decode(type, in.empty() ? &nothing : in.data(), in.size(), static_cast<interop_codec>(codec), INTEROP_DEFAULT_MAX_DEPTH,
                          arena.get(), out.data(), &err);
  return {rc, rc == INTEROP_OK ? "" : err.message};
}

const std::map<std::string, Type> &types() {
#define VECTOR_TYPE(T) {"interop.vectors." #T, through(v::codec::T)},
  static const std::map<std::string, Type> table = {
      VECTOR_TYPE(Bool) VECTOR_TYPE(I8) VECTOR_TYPE(I16) VECTOR_TYPE(I32) VECTOR_TYPE(I64) VECTOR_TYPE(U8)
      VECTOR_TYPE(U16) VECTOR_TYPE(U32) VECTOR_TYPE(U64) VECTOR_TYPE(F32) VECTOR_TYPE(F64) VECTOR_TYPE(Str)
      VECTOR_TYPE(Bin) VECTOR_TYPE(Ints) VECTOR_TYPE(Longs) VECTOR_TYPE(Flags) VECTOR_TYPE(Matrix)
      VECTOR_TYPE(Points) VECTOR_TYPE(MaybeStrings) VECTOR_TYPE(MapI8) VECTOR_TYPE(MapI16) VECTOR_TYPE(MapI32)
      VECTOR_TYPE(MapI64) VECTOR_TYPE(MapU8) VECTOR_TYPE(MapU16) VECTOR_TYPE(MapU32) VECTOR_TYPE(MapU64)
      VECTOR_TYPE(MapStr) VECTOR_TYPE(MapColor) VECTOR_TYPE(MapNested) VECTOR_TYPE(MapMaybe) VECTOR_TYPE(MaybeI32)
      VECTOR_TYPE(Color) VECTOR_TYPE(Point) VECTOR_TYPE(Line) VECTOR_TYPE(AllScalars) VECTOR_TYPE(Ordering)
      VECTOR_TYPE(Defaults) VECTOR_TYPE(Optionals) VECTOR_TYPE(Tree) VECTOR_TYPE(Value) VECTOR_TYPE(Failure)};
#undef VECTOR_TYPE
  return table;
}

Bytes from_hex(const std::string &hex) {
  Bytes out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

std::string to_hex(const Bytes &b) {
  std::string out;
  char two[3];
  for (auto c : b) {
    std::snprintf(two, sizeof two, "%02x", c);
    out += two;
  }
  return out;
}

Bytes text_bytes(const std::string &s) { return Bytes(s.begin(), s.end()); }
std::string bytes_text(const Bytes &b) { return std::string(b.begin(), b.end()); }

/** The input of a vector in a codec: JSON text as is, msgpack from hex. */
Bytes input(Codec codec, const std::string &text) { return codec == Codec::json ? text_bytes(text) : from_hex(text); }
/** An encoding as the vectors write it: JSON as text, msgpack as hex. */
std::string shown(Codec codec, const Bytes &b) { return codec == Codec::json ? bytes_text(b) : to_hex(b); }
Codec codec_named(const std::string &name) { return name == "json" ? Codec::json : Codec::msgpack; }

class Vectors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::ifstream in(REPO_ROOT "/test/vectors/payloads.json");
    std::stringstream text;
    text << in.rdbuf();
    doc_ = cJSON_Parse(text.str().c_str());
    ASSERT_NE(doc_, nullptr) << "test/vectors/payloads.json did not parse";
  }
  static void TearDownTestSuite() { cJSON_Delete(doc_); }
  static cJSON *section(const char *name) { return cJSON_GetObjectItem(doc_, name); }
  static std::string str(const cJSON *item, const char *key) {
    const cJSON *s = cJSON_GetObjectItem(item, key);
    return cJSON_IsString(s) ? s->valuestring : "";
  }
  static const Type &type_of(const cJSON *vector) {
    auto it = types().find(str(vector, "type"));
    if (it == types().end()) throw std::runtime_error("no C++ codec for " + str(vector, "type"));
    return it->second;
  }
  static cJSON *doc_;
};
cJSON *Vectors::doc_ = nullptr;

TEST_F(Vectors, CanonicalByteForByteThroughCppTypes) {
  int count = 0;
  const cJSON *vec;
  cJSON_ArrayForEach(vec, section("vectors")) {
    SCOPED_TRACE(str(vec, "name"));
    const RoundTrip &rt = type_of(vec).rt;
    const std::string json = str(vec, "json"), hex = str(vec, "msgpack");
    for (Codec from : {Codec::json, Codec::msgpack}) {
      for (Codec to : {Codec::json, Codec::msgpack}) {
        const std::string want = to == Codec::json ? json : hex;
        try {
          EXPECT_EQ(shown(to, rt(input(from, from == Codec::json ? json : hex), from, to)), want);
        } catch (const interop::Error &e) {
          ADD_FAILURE() << e.what();
        }
      }
    }
    count++;
  }
  EXPECT_GT(count, 100);
}

TEST_F(Vectors, DecodeOnlyToCanonical) {
  int count = 0;
  const cJSON *vec;
  cJSON_ArrayForEach(vec, section("decode_only")) {
    SCOPED_TRACE(str(vec, "name"));
    Codec codec = codec_named(str(vec, "codec"));
    try {
      EXPECT_EQ(shown(codec, type_of(vec).rt(input(codec, str(vec, "input")), codec, codec)), str(vec, "canonical"));
    } catch (const interop::Error &e) {
      ADD_FAILURE() << e.what();
    }
    count++;
  }
  EXPECT_GT(count, 20);
}

TEST_F(Vectors, RejectedWithTheirCode) {
  int count = 0;
  const cJSON *vec;
  cJSON_ArrayForEach(vec, section("reject")) {
    SCOPED_TRACE(str(vec, "name"));
    Codec codec = codec_named(str(vec, "codec"));
    Bytes in = cJSON_GetObjectItem(vec, "input") ? input(codec, str(vec, "input")) : from_hex(str(vec, "input_hex"));
    try {
      type_of(vec).rt(in, codec, codec);
      ADD_FAILURE() << "decoded, want " << str(vec, "code");
    } catch (const interop::Error &e) {
      EXPECT_EQ(interop::code_name(e.code()), str(vec, "code")) << e.what();
      // The same error as the C decoder's, message and path included.
      EXPECT_EQ(c_decode(type_of(vec).c, in, codec), std::make_pair(static_cast<int>(e.code()), e.message()));
    }
    count++;
  }
  EXPECT_GT(count, 50);
}

// flatbuffers (through the C struct): every payload vector JSON -> flatbuffers -> JSON unchanged
// and flatbuffers -> flatbuffers the same bytes (the bytes themselves: test_flatbuffers_vectors).
TEST_F(Vectors, FlatbuffersBothWaysThroughCppTypes) {
  int count = 0;
  const cJSON *vec;
  cJSON_ArrayForEach(vec, section("vectors")) {
    SCOPED_TRACE(str(vec, "name"));
    const RoundTrip &rt = type_of(vec).rt;
    const std::string text = str(vec, "json");
    if (str(vec, "type") == "interop.vectors.Ordering") {  // field id 536870911: no FlatBuffers slot
      EXPECT_THROW(rt(text_bytes(text), Codec::json, Codec::flatbuffers), interop::Error);
      continue;
    }
    try {
      const Bytes fb = rt(text_bytes(text), Codec::json, Codec::flatbuffers);
      EXPECT_EQ(bytes_text(rt(fb, Codec::flatbuffers, Codec::json)), text);
      EXPECT_EQ(to_hex(rt(fb, Codec::flatbuffers, Codec::flatbuffers)), to_hex(fb));
    } catch (const interop::Error &e) {
      ADD_FAILURE() << e.what();
    }
    count++;
  }
  EXPECT_GT(count, 150);
}

cJSON *read_json(const char *path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return cJSON_Parse(text.str().c_str());
}

TEST_F(Vectors, ProtobufGoldenBytesThroughCppTypes) {
  cJSON *golden = read_json(REPO_ROOT "/test/vectors/protobuf.json");
  ASSERT_NE(golden, nullptr);
  std::map<std::string, std::string> json, msgpack;
  const cJSON *vec;
  cJSON_ArrayForEach(vec, section("vectors")) {
    json[str(vec, "name")] = str(vec, "json");
    msgpack[str(vec, "name")] = str(vec, "msgpack");
  }
  int count = 0;
  cJSON_ArrayForEach(vec, cJSON_GetObjectItem(golden, "vectors")) {
    SCOPED_TRACE(str(vec, "name"));
    const RoundTrip &rt = type_of(vec).rt;
    const std::string hex = str(vec, "protobuf"), text = json.at(str(vec, "name"));
    try {
      EXPECT_EQ(to_hex(rt(text_bytes(text), Codec::json, Codec::protobuf)), hex);
      EXPECT_EQ(bytes_text(rt(from_hex(hex), Codec::protobuf, Codec::json)), text);
      EXPECT_EQ(to_hex(rt(from_hex(hex), Codec::protobuf, Codec::protobuf)), hex);
      EXPECT_EQ(to_hex(rt(from_hex(hex), Codec::protobuf, Codec::msgpack)), msgpack.at(str(vec, "name")));
    } catch (const interop::Error &e) {
      ADD_FAILURE() << e.what();
    }
    count++;
  }
  EXPECT_GT(count, 150);
  count = 0;
  cJSON_ArrayForEach(vec, cJSON_GetObjectItem(golden, "reject")) {
    SCOPED_TRACE(str(vec, "name"));
    const Type &type = types().at("interop.vectors." + str(vec, "type"));
    Bytes in = from_hex(str(vec, "input"));
    try {
      type.rt(in, Codec::protobuf, Codec::protobuf);
      ADD_FAILURE() << "decoded, want " << str(vec, "code");
    } catch (const interop::Error &e) {
      EXPECT_EQ(interop::code_name(e.code()), str(vec, "code")) << e.what();
      EXPECT_EQ(c_decode(type.c, in, Codec::protobuf), std::make_pair(static_cast<int>(e.code()), e.message()));
    }
    count++;
  }
  EXPECT_GE(count, 16);
  cJSON_Delete(golden);
}

}  // namespace
