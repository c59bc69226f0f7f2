// The --url of the client commands: "http://HOST[:PORT][/PREFIX]" or "unix:/path/to/socket",
// the first read by ssehub's one URL parser (base/url.hpp). Plain HTTP only: TLS belongs in a
// proxy in front of the hub.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssehub::cli {

struct Url {
    std::string text; // as the user wrote it, for messages
    bool is_unix = false;
    std::string socket_path; // Unix socket
    std::string host;        // TCP: name or address, IPv6 without brackets
    uint16_t port = 80;
    std::string prefix; // "" or "/some/prefix" (no trailing slash), put before every path

    // Value of the Host header.
    std::string host_header() const;
    // Request target for a hub path such as "/publish".
    std::string target(std::string_view path) const { return prefix + std::string(path); }
};

// Parses a --url. On failure returns nothing and sets `error` to a one-line reason.
std::optional<Url> parse_url(std::string_view text, std::string& error);

// Percent-encodes everything but RFC 3986 unreserved characters (for query values).
std::string percent_encode(std::string_view text);

} // namespace ssehub::cli
