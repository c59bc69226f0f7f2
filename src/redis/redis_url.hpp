// Where the Redis server is: "redis://[user@]host[:port][/db]" or "unix:/path". Parsed once from
// --redis by ssehub's one URL parser (base/url.hpp), which this gives the Redis meaning: the
// default port, the database after '/', and no password (that comes from
// --redis-password-file only). No hiredis here, so the command line can check a URL in a build
// without Redis support.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace ssehub::redis {

struct RedisUrl {
    enum class Kind : uint8_t { Tcp, Unix };

    Kind kind = Kind::Tcp;
    std::string host; // Tcp: a name or an address, IPv6 without its brackets
    uint16_t port = 6379;
    std::string path; // Unix: the socket's path
    std::string user; // empty: Redis's default user
    unsigned db = 0;

    // The URL again, for log lines.
    std::string to_string() const;

    // The URL, or a one-line reason why the text is not one.
    static std::variant<RedisUrl, std::string> parse(std::string_view text);
};

} // namespace ssehub::redis
