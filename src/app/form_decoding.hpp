// application/x-www-form-urlencoded and URL query strings: "a=1&b=x%20y&a=2". Percent
// escapes and '+' are decoded; a bad escape makes the whole input invalid.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssehub::app {

using Params = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);
std::optional<Params> parse_params(std::string_view text);

// The first value of `name`, or null.
const std::string* find_param(const Params& params, std::string_view name);

} // namespace ssehub::app
