#include "cli/url.hpp"

#include "base/url.hpp"
#include "cli/event_format.hpp"

#include <variant>

namespace ssehub::cli {

namespace {

bool is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// 'text' for a message. Built by appending: GCC 12 at -O3 misreads "'" + std::string(...) as
// an overlapping copy (-Wrestrict, a false positive).
std::string in_quotes(std::string_view text) {
    std::string out = "'";
    out += text;
    out += '\'';
    return out;
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
        error = in_quotes(text) + " is not http://HOST[:PORT] or unix:/path";
        return std::nullopt;
    }
    // The host and path go into the request line and the Host header: the base parser refuses
    // a space, CR, LF or any other control byte there, which would split or forge them.
    auto parsed = base::parse_url(text);
    if (auto* reason = std::get_if<std::string>(&parsed)) {
        error = in_quotes(printable(text)) + ": " + *reason;
        return std::nullopt;
    }
    auto& parts = std::get<base::Url>(parsed);
    if (parts.query || parts.has_userinfo()) {
        // Not echoed: a query or user info may hold a secret (?access_token=, user:password).
        error = "--url gives only http://HOST[:PORT][/PREFIX], no ?query or user info (a token "
                "goes in --token or --token-file)";
        return std::nullopt;
    }
    if (parts.port == 0) {
        error = in_quotes(text) + ": port 0 is not a port to connect to";
        return std::nullopt;
    }
    std::string_view path = parts.path;
    while (path.ends_with('/'))
        path.remove_suffix(1);
    url.prefix = path;
    url.host = std::move(parts.host);
    url.port = parts.port.value_or(80);
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
