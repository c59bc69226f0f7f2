// SIZE values of the options: a plain byte count or a K/M/G suffix (powers of 1024).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ssehub::config {

std::optional<size_t> parse_size(std::string_view text);

} // namespace ssehub::config
