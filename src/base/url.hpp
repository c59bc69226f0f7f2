// The one parser of "scheme://[user[:password]@]host[:port][/path][?query]" URLs: the client's
// --url, the benchmark's --url and the daemon's --redis all read their text through it, so a
// URL means the same to each and is refused for the same reason. Strict: no control bytes or
// spaces anywhere (they would forge a request line), host names of letters, digits, '.', '-'
// and '_', IPv6 only in brackets, no fragment. What a scheme means (default ports, what the
// path names, whether a password may appear) is the caller's; so is "unix:/path", which is a
// file name after a prefix, not a URL. Depends on nothing of ours.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ssehub::base {

struct Url {
    std::string scheme; // as written, before "://" (callers compare it case-sensitively)
    std::string user;   // "" when the URL names none
    std::optional<std::string> password;
    std::string host;  // never empty; an IPv6 address (and %zone) without its brackets
    bool ipv6 = false; // the host was written in brackets
    std::optional<uint16_t> port;
    std::string path;                 // "" or from the first '/' on
    std::optional<std::string> query; // after '?', without it

    bool has_userinfo() const { return !user.empty() || password.has_value(); }
    // The host as it goes back into a URL or a Host header: an IPv6 address in brackets.
    std::string host_text() const;
};

// The URL, or a one-line reason why `text` is not one (without the text itself: callers say
// which option it came from).
std::variant<Url, std::string> parse_url(std::string_view text);

} // namespace ssehub::base
