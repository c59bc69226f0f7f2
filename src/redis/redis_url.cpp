#include "redis/redis_url.hpp"

#include <charconv>

namespace ssehub::redis {

namespace {

bool parse_number(std::string_view s, uint64_t max, uint64_t& out) {
    if (s.empty() || s.size() > 10) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    return r.ec == std::errc() && out <= max;
}

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

bool user_char(char c) {
    return host_char(c) || c == '~' || c == '+' || c == '=' || c == '!' || c == '$';
}

std::variant<RedisUrl, std::string> parse_tcp(std::string_view rest) {
    RedisUrl url;
    if (rest.find_first_of("?#") != std::string_view::npos)
        return std::string("a query or fragment is not supported");
    size_t at = rest.rfind('@');
    if (at != std::string_view::npos) {
        std::string_view user = rest.substr(0, at);
        if (user.find(':') != std::string_view::npos)
            return std::string("put the password in --redis-password-file, not in the URL");
        if (user.empty()) return std::string("empty user name before '@'");
        for (char c : user)
            if (!user_char(c)) return std::string("bad character in the user name");
        url.user = std::string(user);
        rest.remove_prefix(at + 1);
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        std::string_view db = rest.substr(slash + 1);
        uint64_t n = 0;
        if (!db.empty() && !parse_number(db, 1u << 30, n))
            return std::string("the database after '/' is not a number");
        url.db = static_cast<unsigned>(n);
    }
    std::string_view host = authority;
    std::string_view port;
    if (authority.starts_with('[')) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::string("unterminated '[' in the host");
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':'))
            return std::string("unexpected text after ']'");
        if (!after.empty()) port = after.substr(1);
        if (host.empty()) return std::string("empty host");
        for (char c : host)
            if (!(c == ':' || c == '.' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
                  (c >= 'A' && c <= 'F')))
                return std::string("bad IPv6 address in the host");
    } else {
        size_t colon = authority.find(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
            if (port.empty()) return std::string("empty port after ':'");
        }
        if (host.empty()) return std::string("empty host");
        for (char c : host)
            if (!host_char(c)) return std::string("bad character in the host");
    }
    url.host = std::string(host);
    if (!port.empty()) {
        uint64_t n = 0;
        if (!parse_number(port, 65535, n) || n == 0) return std::string("bad port");
        url.port = static_cast<uint16_t>(n);
    }
    return url;
}

} // namespace

std::variant<RedisUrl, std::string> RedisUrl::parse(std::string_view text) {
    if (text.starts_with("unix:")) {
        std::string_view path = text.substr(5);
        if (path.starts_with("//")) path.remove_prefix(2); // unix:///path is common too
        if (!path.starts_with('/')) return std::string("unix: needs an absolute socket path");
        RedisUrl url;
        url.kind = Kind::Unix;
        url.path = std::string(path);
        return url;
    }
    if (text.starts_with("redis://")) return parse_tcp(text.substr(8));
    size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0)
        return std::string("not a URL (use redis://host:port/db or unix:/path)");
    return "unknown scheme '" + std::string(text.substr(0, colon)) +
           "' (use redis://host:port/db or unix:/path; TLS is not supported)";
}

std::string RedisUrl::to_string() const {
    // parse() drops the "//" of "unix:///path", so a path that itself starts with "//" is
    // written after one, to read back the same.
    if (kind == Kind::Unix) return (path.starts_with("//") ? "unix://" : "unix:") + path;
    std::string out = "redis://";
    if (!user.empty()) out += user + "@";
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    // Appended piece by piece: GCC 12 at -O3 misreads ":" + std::to_string(...) as an
    // overlapping copy (-Wrestrict, a false positive).
    out += ':';
    out += std::to_string(port);
    out += '/';
    out += std::to_string(db);
    return out;
}

} // namespace ssehub::redis
