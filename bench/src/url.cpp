#include "url.hpp"

#include "base/url.hpp"

#include <arpa/inet.h>
#include <stdexcept>
#include <variant>

namespace bench {

Url parse_url(const std::string& text) {
    if (!text.starts_with("http://"))
        throw std::invalid_argument("URL " + text + " must start with http://");
    auto parsed = ssehub::base::parse_url(text);
    if (auto* reason = std::get_if<std::string>(&parsed))
        throw std::invalid_argument("URL " + text + ": " + *reason);
    auto& parts = std::get<ssehub::base::Url>(parsed);
    if (parts.port == 0)
        throw std::invalid_argument("URL " + text + ": port 0 is not a port to connect to");
    std::string host = parts.host == "localhost" ? "127.0.0.1" : parts.host;
    Url url;
    url.addr.sin_family = AF_INET;
    if (parts.ipv6 || parts.has_userinfo() ||
        inet_pton(AF_INET, host.c_str(), &url.addr.sin_addr) != 1)
        throw std::invalid_argument("URL " + text + ": the host must be a numeric IPv4 address");
    url.port = parts.port.value_or(80);
    url.addr.sin_port = htons(url.port);
    url.host = parts.host;
    if (parts.port) {
        url.host += ':'; // appended apart: GCC 12 -O3 misreads ":" + std::string as overlapping
        url.host += std::to_string(url.port);
    }
    url.target = parts.path.empty() ? "/" : parts.path;
    if (parts.query) {
        url.target += '?';
        url.target += *parts.query;
    }
    return url;
}

} // namespace bench
