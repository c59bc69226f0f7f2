#include "sse/event_id.hpp"

#include <charconv>
#include <string>

namespace ssehub::sse {

std::string EventId::to_string() const {
    std::string out = std::to_string(ms);
    out += '-';
    out += std::to_string(seq);
    return out;
}

static bool parse_u64(std::string_view s, uint64_t& out) {
    if (s.empty() || s.size() > 20) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

std::optional<EventId> EventId::parse(std::string_view text) {
    EventId id;
    size_t dash = text.find('-');
    if (dash == std::string_view::npos) {
        if (!parse_u64(text, id.ms)) return std::nullopt;
        return id;
    }
    if (!parse_u64(text.substr(0, dash), id.ms) || !parse_u64(text.substr(dash + 1), id.seq))
        return std::nullopt;
    return id;
}

} // namespace ssehub::sse
