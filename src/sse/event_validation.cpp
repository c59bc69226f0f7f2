#include "sse/event_validation.hpp"

#include <cstdint>

namespace ssehub::sse {

bool is_valid_utf8(std::string_view s) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    const auto* end = p + s.size();
    while (p < end) {
        uint8_t c = *p;
        if (c < 0x80) {
            ++p;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((c & 0xE0) == 0xC0) {
            n = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (static_cast<size_t>(end - p) <= n) return false;
        for (size_t i = 1; i <= n; ++i) {
            if ((p[i] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
        static const uint32_t min_for_len[] = {0, 0x80, 0x800, 0x10000};
        if (cp < min_for_len[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        p += n + 1;
    }
    return true;
}

std::optional<std::string> check_name(std::string_view what, std::string_view name) {
    std::string w(what);
    if (name.empty()) return w + " is empty";
    if (name.size() > 256) return w + " is longer than 256 bytes";
    for (char c : name)
        if (c == '\r' || c == '\n' || c == '\0') return w + " contains CR, LF or NUL";
    if (!is_valid_utf8(name)) return w + " is not valid UTF-8";
    return std::nullopt;
}

std::optional<Rejection> validate_event(std::string_view type,
                                        std::optional<std::string_view> topic,
                                        std::string_view data, size_t max_data) {
    if (auto bad = check_name("event type", type))
        return Rejection{Rejection::Fault::Invalid, *bad};
    if (type.starts_with("ssehub."))
        return Rejection{Rejection::Fault::Invalid, "event types starting ssehub. are reserved"};
    if (topic)
        if (auto bad = check_name("topic", *topic))
            return Rejection{Rejection::Fault::Invalid, *bad};
    if (data.size() > max_data)
        return Rejection{Rejection::Fault::TooLarge,
                         "data is larger than max-event-bytes (" + std::to_string(max_data) + ")"};
    if (!is_valid_utf8(data))
        return Rejection{Rejection::Fault::Invalid, "data is not valid UTF-8"};
    return std::nullopt;
}

} // namespace ssehub::sse
