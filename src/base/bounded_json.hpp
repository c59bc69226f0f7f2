// JSON from outside, parsed with a bound on nesting. nlohmann's parser is iterative, but dump()
// and every other walk of a document recurse: a container nested past the bound is discarded
// while parsing (never built), so nothing recursive ever sees attacker-shaped depth.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

namespace ssehub::base {

// The deepest nesting of arrays and objects accepted; the outermost value counts as one.
inline constexpr int max_json_depth = 64;

// NOLINTNEXTLINE(bugprone-exception-escape): json() makes a null value and never throws.
struct BoundedJson {
    nlohmann::json doc; // discarded when the text is not JSON or nests too deep
    bool too_deep = false;
};

BoundedJson parse_bounded_json(std::string_view text);

} // namespace ssehub::base
