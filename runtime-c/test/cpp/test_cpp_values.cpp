// The generated C++ value types as a user builds them: defaults, equality, open enums, exact
// 64-bit integers, maps in canonical order, unions through std::variant, declared errors as
// exceptions, and bad values refused with the same errors as in C.
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <utility>
#include <unordered_map>
#include <unordered_set>

#include "interop_conformance.hpp"
#include "interop_vectors.hpp"

namespace {

namespace v = interop::vectors;
namespace conf = interop::conformance;
using interop::Bytes;
using interop::Codec;

std::string json(const Bytes &b) { return std::string(b.begin(), b.end()); }

TEST(CppValues, StructsEncodeCanonically) {
  v::Point p{1, -1};
  EXPECT_EQ(json(v::codec::Point.encode(p, Codec::json)), R"({"x":1,"y":-1})");
  EXPECT_EQ(v::codec::Point.encode(p, Codec::msgpack), (Bytes{0x82, 0x01, 0x01, 0x02, 0xff}));
  EXPECT_EQ(v::codec::Point.decode(std::string(R"({"y":-1,"x":1})"), Codec::json), p);
  EXPECT_NE(p, (v::Point{1, 2}));
}

TEST(CppValues, DefaultsAreTheIdlDefaults) {
  v::Defaults d;
  EXPECT_EQ(d.count, 7);
  EXPECT_EQ(d.name, "anon");
  EXPECT_EQ(d.color, v::Color::RED);
  EXPECT_EQ(d.big, std::numeric_limits<std::uint64_t>::max());
  EXPECT_FALSE(d.note.has_value());
  EXPECT_EQ(json(v::codec::Defaults.encode(d, Codec::json)),
            R"({"count":7,"name":"anon","color":"RED","tags":[],"ratio":1.5,"big":"18446744073709551615","flag":false,"data":"","counts":{},"level":0})");
  // A message without the fields decodes to the same defaults.
  EXPECT_EQ(v::codec::Defaults.decode(std::string("{}"), Codec::json), d);
}

TEST(CppValues, SixtyFourBitIntegersAreExact) {
  v::AllScalars s;
  s.i64v = std::numeric_limits<std::int64_t>::min();
  s.u64v = std::numeric_limits<std::uint64_t>::max() - 1;
  auto back = v::codec::AllScalars.decode(v::codec::AllScalars.encode(s, Codec::json), Codec::json);
  EXPECT_EQ(back.i64v, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(back.u64v, std::numeric_limits<std::uint64_t>::max() - 1);
  EXPECT_EQ(back, s);
}

TEST(CppValues, EnumsStayOpen) {
  auto unknown = static_cast<v::Color>(7);
  EXPECT_EQ(json(v::codec::Color.encode(unknown, Codec::json)), "7");
  EXPECT_EQ(v::codec::Color.decode(std::string("-1000"), Codec::json), static_cast<v::Color>(-1000));
  EXPECT_EQ(v::codec::Color.decode(std::string("\"ULTRAVIOLET\""), Codec::json), v::Color::ULTRAVIOLET);
}

TEST(CppValues, MapsEncodeInCanonicalOrder) {
  v::MapColor m{{v::Color::RED, 10}, {v::Color::ULTRAVIOLET, 400}, {static_cast<v::Color>(7), 7}, {v::Color::BLUE, 30},
                {v::Color::INFRARED, -10}};
  EXPECT_EQ(json(v::codec::MapColor.encode(m, Codec::json)), R"({"INFRARED":-10,"RED":10,"BLUE":30,"7":7,"ULTRAVIOLET":400})");
  v::MapStr s{{"z", 7}, {"\xc3\xa9", 4}, {"B", 1}, {"", 0}, {"a", 2}};
  EXPECT_EQ(json(v::codec::MapStr.encode(s, Codec::json)), "{\"\":0,\"B\":1,\"a\":2,\"z\":7,\"\xc3\xa9\":4}");
}

TEST(CppValues, UnionsAreVariants) {
  auto num = v::Value::make<v::Value::num>(std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(json(v::codec::Value.encode(num, Codec::json)), R"({"num":"-9223372036854775808"})");
  auto list = v::Value::make<v::Value::items>(std::vector<v::Value>{v::Value::make<v::Value::nothing>(),
                                                                      v::Value::make<v::Value::num>(1),
                                                                      v::Value::make<v::Value::items>()});
  EXPECT_EQ(json(v::codec::Value.encode(list, Codec::json)), R"({"items":[{"nothing":null},{"num":"1"},{"items":[]}]})");
  auto back = v::codec::Value.decode(v::codec::Value.encode(list, Codec::msgpack), Codec::msgpack);
  EXPECT_EQ(back, list);
  ASSERT_EQ(back.value.index(), v::Value::items);
  EXPECT_EQ(std::get<v::Value::items>(back.value).size(), 3u);
  EXPECT_EQ(std::get<v::Value::num>(std::get<v::Value::items>(back.value)[1].value), 1);
}

TEST(CppValues, EqualValuesHashAlike) {
  // A recursive union (items: list<Value>) and a struct of every container are std::hash-able.
  auto list = v::Value::make<v::Value::items>(std::vector<v::Value>{v::Value::make<v::Value::num>(1), v::Value::make<v::Value::nothing>()});
  auto same = v::codec::Value.decode(v::codec::Value.encode(list, Codec::msgpack), Codec::msgpack);
  EXPECT_EQ(std::hash<v::Value>{}(list), std::hash<v::Value>{}(same));
  std::unordered_set<v::Value> set{list, same, v::Value::make<v::Value::num>(2), v::Value{}};
  EXPECT_EQ(set.size(), 3u);
  conf::Everything e;
  e.optionals.maybe_map = {{"k", std::nullopt}};
  std::unordered_map<conf::Everything, int> by_value{{e, 1}};
  conf::Everything f = e;
  EXPECT_EQ(by_value.at(f), 1);
  f.optionals.maybe_map["k"] = conf::Point{1, 2};
  EXPECT_EQ(by_value.count(f), 0u);
}

TEST(CppValues, AUnionWithoutACaseIsInvalid) {
  try {
    v::codec::Value.encode(v::Value{}, Codec::json);
    FAIL() << "encoded a union without a case";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::invalid_argument) << e.what();
  }
}

TEST(CppValues, InvalidUtf8IsRefusedAsInC) {
  try {
    v::codec::Str.encode(std::string("\xff"), Codec::msgpack);
    FAIL() << "encoded invalid UTF-8";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::invalid_argument) << e.what();
  }
}

TEST(CppValues, DeclaredErrorsAreExceptionsWithValues) {
  v::Failure f(42, "too big", v::Point{1, 2});
  EXPECT_EQ(json(v::codec::Failure.encode(f, Codec::json)), R"({"code":42,"reason":"too big","where":{"x":1,"y":2}})");
  try {
    throw f;
  } catch (const interop::ApplicationError &e) {
    EXPECT_EQ(e.type_name(), "interop.vectors.Failure");
    EXPECT_EQ(e.code(), interop::Code::application_error);
    const auto *failure = dynamic_cast<const v::Failure *>(&e);
    ASSERT_NE(failure, nullptr);
    EXPECT_EQ(failure->code_, 42u);  // `code` is the exception's own: the field is escaped
    EXPECT_EQ(*failure, f);
  }
}

TEST(CppValues, OptionalsAndNestedContainers) {
  conf::Optionals o;
  o.point = conf::Point{3, 4};
  o.level = static_cast<conf::Level>(99);
  o.maybe_list = {std::nullopt, INT64_C(-5)};
  o.maybe_map = {{"a", std::nullopt}, {"b", conf::Point{1, 1}}};
  auto back = conf::codec::Optionals.decode(conf::codec::Optionals.encode(o, Codec::msgpack), Codec::msgpack);
  EXPECT_EQ(back, o);
  conf::Containers c;
  c.nested = {{"k", {{-1, {Bytes{0, 255}, Bytes{}}}}}};
  c.by_level = {{conf::Level::BELOW, conf::Point{1, 2}}};
  c.grid = {{1, 2}, {}, {std::numeric_limits<std::int64_t>::max()}};
  EXPECT_EQ(conf::codec::Containers.decode(conf::codec::Containers.encode(c, Codec::json), Codec::json), c);
}

TEST(CppValues, DepthLimitIsTheSame) {
  v::Tree t{"root", {}};
  v::Tree *leaf = &t;
  for (int i = 0; i < 80; i++) {
    leaf->children.push_back(v::Tree{"x", {}});
    leaf = &leaf->children.back();
  }
  try {
    v::codec::Tree.encode(t, Codec::msgpack);
    FAIL() << "encoded a value nested beyond max_depth";
  } catch (const interop::Error &e) {
    EXPECT_EQ(e.code(), interop::Code::resource_exhausted) << e.what();
  }
}

/** What runtime-c's C encoder says of the C struct of `value` (msgpack): code and message. */
template <class T, class C, class Tag>
std::pair<int, std::string> c_encode(const interop::TypeCodec<T, C, Tag> &codec, const T &value) {
  interop::Arena arena;
  interop::Buffer out;
  C c{};
  interop_to_c(value, &c, arena);
  interop_error err{};
  int rc = interop_encode(codec.type, &c, INTEROP_CODEC_MSGPACK, INTEROP_DEFAULT_MAX_DEPTH, out.get(), &err);
  return {rc, rc == INTEROP_OK ? "" : err.message};
}

template <class T, class C, class Tag>
std::pair<int, std::string> cpp_encode(const interop::TypeCodec<T, C, Tag> &codec, const T &value) {
  try {
    codec.encode(value, Codec::msgpack);
    return {INTEROP_OK, ""};
  } catch (const interop::Error &e) {
    return {static_cast<int>(e.code()), e.message()};
  }
}

// msgpack goes straight from the C++ value (ADR 0028): a bad value deep inside is refused with the
// C encoder's code, message and path.
TEST(CppValues, MsgpackRefusesBadValuesAsTheCEncoder) {
  v::Tree t{"root", {v::Tree{"a", {}}, v::Tree{"b", {v::Tree{std::string("\xc3\x28"), {}}}}}};
  EXPECT_EQ(cpp_encode(v::codec::Tree, t), c_encode(v::codec::Tree, t));
  EXPECT_EQ(cpp_encode(v::codec::Tree, t).second, "children[1].children[0].label: string is not valid UTF-8");
  v::Value list;
  list.value.emplace<v::Value::items>(std::vector<v::Value>{v::Value{}, v::Value{}});
  EXPECT_EQ(cpp_encode(v::codec::Value, list), c_encode(v::codec::Value, list));
  v::Tree deep{"root", {}};
  v::Tree *leaf = &deep;
  for (int i = 0; i < 80; i++) {
    leaf->children.push_back(v::Tree{"x", {}});
    leaf = &leaf->children.back();
  }
  EXPECT_EQ(cpp_encode(v::codec::Tree, deep), c_encode(v::codec::Tree, deep));
  conf::Optionals o;
  o.maybe_map = {{"a", std::nullopt}, {std::string("\xff"), conf::Point{1, 1}}};
  EXPECT_EQ(cpp_encode(conf::codec::Optionals, o), c_encode(conf::codec::Optionals, o));
}

}  // namespace
