#include "cli/event_format.hpp"

#include <nlohmann/json.hpp>

namespace ssehub::cli {

namespace {

constexpr char hex[] = "0123456789abcdef";

} // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        auto c = static_cast<unsigned char>(text[i]);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else if (c == 0xC2 && i + 1 < text.size() &&
                   static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
            // A C1 control (U+0080..U+009F): some terminals act on these too.
            auto c1 = static_cast<unsigned char>(text[++i]);
            out += "\\u00";
            out += hex[c1 >> 4];
            out += hex[c1 & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

std::string format_human(const SseEvent& event) {
    std::string out;
    // Appended piece by piece: `"[" + printable(...)` inserts at the front of a temporary,
    // which GCC 12 at -O2 misreads as an overlapping copy (-Wrestrict, a false positive).
    if (!event.id.empty()) {
        out += '[';
        out += printable(event.id);
        out += "] ";
    }
    out += printable(event.type);
    out += ':';
    std::string_view data = event.data;
    bool first = true;
    while (true) {
        size_t eol = data.find('\n');
        std::string_view line = data.substr(0, eol);
        if (first) {
            if (!line.empty() || eol != std::string_view::npos) out += ' ';
        } else {
            out += "\n    ";
        }
        out += printable(line);
        first = false;
        if (eol == std::string_view::npos) break;
        data.remove_prefix(eol + 1);
    }
    out += '\n';
    return out;
}

std::string format_json(const SseEvent& event) {
    nlohmann::ordered_json doc = {{"id", event.id}, {"event", event.type}, {"data", event.data}};
    // The parser hands out valid UTF-8; replace would only ever guard a bug.
    return doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

} // namespace ssehub::cli
