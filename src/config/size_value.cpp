#include "config/size_value.hpp"

#include <charconv>
#include <cstdint>

namespace ssehub::config {

std::optional<size_t> parse_size(std::string_view text) {
    if (text.empty()) return std::nullopt;
    uint64_t scale = 1;
    switch (text.back()) {
    case 'k':
    case 'K':
        scale = 1ull << 10;
        break;
    case 'm':
    case 'M':
        scale = 1ull << 20;
        break;
    case 'g':
    case 'G':
        scale = 1ull << 30;
        break;
    default:
        break;
    }
    if (scale != 1) text.remove_suffix(1);
    std::optional<uint64_t> value = parse_whole_number(text);
    if (!value || *value > UINT64_MAX / scale) return std::nullopt;
    return static_cast<size_t>(*value * scale);
}

std::optional<uint64_t> parse_whole_number(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    uint64_t value = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

} // namespace ssehub::config
