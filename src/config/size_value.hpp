// The numeric values of the options: SIZE (a plain byte count or a K/M/G suffix, powers of
// 1024) and whole numbers. Only decimal digits are read: no sign, no space, no 0x or octal.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ssehub::config {

std::optional<size_t> parse_size(std::string_view text);
// A decimal whole number (digits only), or nothing when it is not one or does not fit.
std::optional<uint64_t> parse_whole_number(std::string_view text);

} // namespace ssehub::config
