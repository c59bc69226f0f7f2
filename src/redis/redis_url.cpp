#include "redis/redis_url.hpp"

#include "base/url.hpp"

#include <charconv>

namespace ssehub::redis {

namespace {

// The database after "/": a plain decimal number up to 2^30 (Redis's own bound is lower).
bool parse_db(std::string_view s, unsigned& out) {
    if (s.empty() || s.size() > 10) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    uint64_t n = 0;
    auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    if (r.ec != std::errc() || n > (1u << 30)) return false;
    out = static_cast<unsigned>(n);
    return true;
}

std::variant<RedisUrl, std::string> parse_tcp(std::string_view text) {
    auto parsed = base::parse_url(text);
    if (auto* reason = std::get_if<std::string>(&parsed)) return std::move(*reason);
    auto& parts = std::get<base::Url>(parsed);
    if (parts.query) return std::string("a query or fragment is not supported");
    if (parts.password)
        return std::string("put the password in --redis-password-file, not in the URL");
    if (parts.port == 0) return std::string("port 0 is not a port to connect to");
    RedisUrl url;
    url.user = std::move(parts.user);
    url.host = std::move(parts.host);
    url.port = parts.port.value_or(6379);
    std::string_view db = parts.path;
    if (!db.empty() && db != "/" && !parse_db(db.substr(1), url.db))
        return std::string("the database after '/' is not a number");
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
    if (text.starts_with("redis://")) return parse_tcp(text);
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
