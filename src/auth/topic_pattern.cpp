#include "auth/topic_pattern.hpp"

namespace ssehub::auth {
namespace {

bool varname_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '%';
}

// The length of the wildcard at p[i] (`*` or `{name}`), 0 when p[i] is a literal character and
// npos when it opens a template form we do not understand.
size_t wildcard_at(std::string_view p, size_t i) {
    if (p[i] == '*') return 1;
    if (p[i] != '{') return 0;
    size_t close = p.find('}', i);
    if (close == std::string_view::npos || close == i + 1) return std::string_view::npos;
    for (size_t k = i + 1; k < close; ++k)
        if (!varname_char(p[k])) return std::string_view::npos;
    return close - i + 1;
}

} // namespace

bool understood(std::string_view pattern) {
    for (size_t i = 0; i < pattern.size();) {
        size_t w = wildcard_at(pattern, i);
        if (w == std::string_view::npos) return false;
        i += w == 0 ? 1 : w;
    }
    return true;
}

namespace {

// Glob matching of one understood pattern with wildcards that never cross '/': the classic
// loop that remembers the last wildcard and lets it take one more character on a mismatch
// (O(pattern x topic), no recursion).
bool glob(std::string_view p, std::string_view t) {
    size_t pi = 0;
    size_t ti = 0;
    size_t star_p = std::string_view::npos; // just after the last wildcard seen
    size_t star_t = 0;                      // where that wildcard's run ends so far
    while (ti < t.size()) {
        size_t w = pi < p.size() ? wildcard_at(p, pi) : 0;
        if (w > 0) {
            pi += w;
            star_p = pi;
            star_t = ti;
        } else if (pi < p.size() && p[pi] == t[ti]) {
            ++pi;
            ++ti;
        } else if (star_p != std::string_view::npos && t[star_t] != '/') {
            ++star_t; // the wildcard takes one more character
            pi = star_p;
            ti = star_t;
        } else {
            return false;
        }
    }
    while (pi < p.size()) {
        size_t w = wildcard_at(p, pi);
        if (w == 0) return false;
        pi += w;
    }
    return true;
}

} // namespace

bool matches(std::string_view pattern, std::string_view topic) {
    if (pattern == "*") return true;
    return understood(pattern) && glob(pattern, topic);
}

bool TopicRights::allows(std::string_view topic) const {
    for (const std::string& p : patterns)
        if (matches(p, topic)) return true;
    return false;
}

} // namespace ssehub::auth
