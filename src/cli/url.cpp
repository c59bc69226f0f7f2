#include "cli/url.hpp"

#include "cli/event_format.hpp"

namespace ssehub::cli {

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
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
    if (text.empty() || text.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v == 0 || v > 65535) return std::nullopt;
    return static_cast<uint16_t>(v);
}

} // namespace

std::string Url::host_header() const {
    if (is_unix) return "localhost";
    std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    if (port != 80) {
        h += ':'; // appended apart: GCC 12 -O3 misreads ":" + std::string as overlapping
        h += std::to_string(port);
    }
    return h;
}

std::optional<Url> parse_url(std::string_view text, std::string& error) {
    Url url;
    url.text = text;
    if (text.starts_with("unix:")) {
        url.is_unix = true;
        url.socket_path = text.substr(5);
        if (url.socket_path.empty()) {
            error = "'unix:' needs a socket path, as in unix:/run/ssehub/ssehub.sock";
            return std::nullopt;
        }
        return url;
    }
    if (text.starts_with("https://")) {
        error = "https:// is not supported: the client speaks plain HTTP; use http://HOST:PORT "
                "or unix:/path (put TLS in a proxy in front of the hub)";
        return std::nullopt;
    }
    constexpr std::string_view scheme = "http://";
    if (!text.starts_with(scheme)) {
        error = quoted(text) + " is not http://HOST[:PORT] or unix:/path";
        return std::nullopt;
    }
    // The host and path go into the request line and the Host header: a space, CR, LF or any
    // other control byte there would split or forge them. Spaces are refused rather than
    // percent-encoded, so the URL means what it says; write %20 for one.
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) {
            error = quoted(printable(text)) + " contains a space or a control character "
                                              "(write a space in a path as %20)";
            return std::nullopt;
        }
    }
    std::string_view rest = text.substr(scheme.size());
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
    if (path.find_first_of("?#") != std::string_view::npos ||
        authority.find('@') != std::string_view::npos) {
        error = quoted(text) + ": give only http://HOST[:PORT][/PREFIX]";
        return std::nullopt;
    }
    while (path.ends_with('/'))
        path.remove_suffix(1);
    url.prefix = path;

    std::string_view port_text;
    if (authority.starts_with('[')) {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) {
            error = quoted(text) + ": unterminated [IPv6] address";
            return std::nullopt;
        }
        url.host = authority.substr(1, close - 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty() && !after.starts_with(':')) {
            error = quoted(text) + ": unexpected text after the [IPv6] address";
            return std::nullopt;
        }
        if (!after.empty()) port_text = after.substr(1);
        if (after == ":") port_text = "x"; // a colon with no port is an error
    } else {
        size_t colon = authority.find(':');
        url.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
        if (colon != std::string_view::npos && port_text.empty()) port_text = "x";
    }
    if (url.host.empty()) {
        error = quoted(text) + " names no host";
        return std::nullopt;
    }
    if (!port_text.empty()) {
        auto port = parse_port(port_text);
        if (!port) {
            error = quoted(text) + ": " + quoted(port_text) + " is not a port number (1-65535)";
            return std::nullopt;
        }
        url.port = *port;
    }
    return url;
}

std::string percent_encode(std::string_view text) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c)) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

} // namespace ssehub::cli
