#include "h2/header_lines.hpp"

#include <cctype>

namespace ssehub::h2 {

namespace {

bool connection_specific(std::string_view name) {
    return name == "connection" || name == "keep-alive" || name == "proxy-connection" ||
           name == "transfer-encoding" || name == "upgrade";
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

} // namespace

void append_header_lines(std::string_view lines, HeaderList& out) {
    while (!lines.empty()) {
        size_t end = lines.find('\n');
        std::string_view line = lines.substr(0, end);
        lines.remove_prefix(end == std::string_view::npos ? lines.size() : end + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) continue;
        std::string name(trim(line.substr(0, colon)));
        for (char& c : name)
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (connection_specific(name)) continue;
        out.emplace_back(std::move(name), std::string(trim(line.substr(colon + 1))));
    }
}

} // namespace ssehub::h2
