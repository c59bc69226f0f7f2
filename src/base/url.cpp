#include "base/url.hpp"

namespace ssehub::base {

namespace {

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool is_scheme_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.';
}

// A DNS name or an IPv4 address; '_' too, which some private names carry.
bool is_host_char(char c) {
    return is_alpha(c) || is_digit(c) || c == '.' || c == '-' || c == '_';
}

bool is_ipv6_char(char c) {
    return is_hex(c) || c == ':' || c == '.';
}

bool is_user_char(char c) {
    return is_host_char(c) || c == '~' || c == '+' || c == '=' || c == '!' || c == '$';
}

template <class Pred> bool all_of(std::string_view s, Pred pred) {
    for (char c : s)
        if (!pred(c)) return false;
    return true;
}

// 'text' for a message. Built by appending: GCC 12 at -O3 misreads "'" + std::string(...) as
// an overlapping copy (-Wrestrict, a false positive).
std::string quoted(std::string_view text) {
    std::string out = "'";
    out += text;
    out += '\'';
    return out;
}

std::optional<uint16_t> parse_port(std::string_view text) {
    if (text.empty() || text.size() > 5 || !all_of(text, is_digit)) return std::nullopt;
    unsigned v = 0;
    for (char c : text)
        v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > 65535) return std::nullopt;
    return static_cast<uint16_t>(v);
}

// Fills the host and port from "host[:port]" or "[ipv6][:port]"; returns a reason on failure.
std::string parse_host_port(std::string_view authority, Url& url) {
    std::string_view host = authority;
    std::optional<std::string_view> port;
    if (authority.starts_with('[')) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return "unterminated '[' in the host";
        host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) return "unexpected text after ']'";
        if (!after.empty()) port = after.substr(1);
        if (host.empty()) return "empty host";
        // A zone after '%', as in [fe80::1%eth0], names the interface of a link-local address.
        size_t percent = host.find('%');
        std::string_view address = host.substr(0, percent);
        std::string_view zone = percent == std::string_view::npos ? "" : host.substr(percent + 1);
        bool zone_ok =
            percent == std::string_view::npos || (!zone.empty() && all_of(zone, is_host_char) &&
                                                  address.find(':') != std::string_view::npos);
        if (!all_of(address, is_ipv6_char) || !zone_ok) return "bad IPv6 address in the host";
        url.ipv6 = true;
    } else {
        size_t colon = authority.find(':');
        if (colon != std::string_view::npos) {
            host = authority.substr(0, colon);
            port = authority.substr(colon + 1);
        }
        if (host.empty()) return "empty host";
        if (!all_of(host, is_host_char)) return "bad character in the host";
    }
    url.host = host;
    if (port) {
        if (port->empty()) return "empty port after ':'";
        auto number = parse_port(*port);
        if (!number) return quoted(*port) + " is not a port number";
        url.port = *number;
    }
    return {};
}

} // namespace

std::string Url::host_text() const {
    if (!ipv6) return host;
    std::string out = "[";
    out += host;
    out += ']';
    return out;
}

std::variant<Url, std::string> parse_url(std::string_view text) {
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f)
            return std::string("contains a space or a control character (write a space in a "
                               "path as %20)");
    }
    size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0 || !is_alpha(text[0]) ||
        !all_of(text.substr(0, colon), is_scheme_char))
        return std::string("does not start with a scheme (as in http://)");
    if (text.substr(colon + 1, 2) != "//") return std::string("no '//' after the scheme");
    Url url;
    url.scheme = text.substr(0, colon);
    std::string_view rest = text.substr(colon + 3);

    if (rest.find('#') != std::string_view::npos)
        return std::string("a fragment ('#') is not supported");
    if (size_t question = rest.find('?'); question != std::string_view::npos) {
        url.query = rest.substr(question + 1);
        rest = rest.substr(0, question);
    }
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) url.path = rest.substr(slash);

    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
        std::string_view userinfo = authority.substr(0, at);
        authority.remove_prefix(at + 1);
        if (userinfo.empty()) return std::string("empty user name before '@'");
        size_t split = userinfo.find(':');
        std::string_view user = userinfo.substr(0, split);
        if (!all_of(user, is_user_char)) return std::string("bad character in the user name");
        url.user = user;
        if (split != std::string_view::npos) url.password = std::string(userinfo.substr(split + 1));
    }
    if (std::string error = parse_host_port(authority, url); !error.empty()) return error;
    return url;
}

} // namespace ssehub::base
