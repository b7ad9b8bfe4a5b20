// The example of docs/cpp.md "Values and codecs": build a value, encode it, decode it back.
// ctest runs it (example_values); it exits non-zero if anything differs.
#include <cstdio>
#include <string>

#include "interop_conformance.hpp"

int main() {
  namespace conf = interop::conformance;

  conf::Optionals o;
  o.point = conf::Point{3, 4};
  o.maybe_map = {{"b", conf::Point{1, 1}}, {"a", std::nullopt}};  // std::map: canonical order
  interop::Bytes json = conf::codec::Optionals.encode(o, interop::Codec::json);
  std::printf("%s\n", std::string(json.begin(), json.end()).c_str());
  // {"point":{"x":3,"y":4},"maybe_list":[],"maybe_map":{"a":null,"b":{"x":1,"y":1}}}

  conf::Optionals back = conf::codec::Optionals.decode(json, interop::Codec::json);
  auto shape = conf::Shape::make<conf::Shape::circle>(2.5);
  try {
    conf::codec::Shape.decode(std::string("{\"circle\":\"wide\"}"), interop::Codec::json);
    return 1;
  } catch (const interop::Error &e) {
    std::printf("refused: %s\n", e.what());  // INVALID_ARGUMENT: ...
    return back == o && std::get<conf::Shape::circle>(shape.value) == 2.5 && e.code() == interop::Code::invalid_argument ? 0 : 1;
  }
}
