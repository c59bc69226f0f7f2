#include "url.hpp"

#include <arpa/inet.h>
#include <stdexcept>

namespace bench {

Url parse_url(const std::string& text) {
    const std::string scheme = "http://";
    if (text.rfind(scheme, 0) != 0)
        throw std::invalid_argument("URL " + text + " must start with http://");
    size_t host_start = scheme.size();
    size_t slash = text.find('/', host_start);
    std::string authority = text.substr(host_start, slash - host_start);
    Url url;
    url.target = slash == std::string::npos ? "/" : text.substr(slash);
    size_t colon = authority.rfind(':');
    std::string host = authority.substr(0, colon);
    if (colon != std::string::npos) {
        std::string port = authority.substr(colon + 1);
        if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != port.npos ||
            std::stoi(port) > 65535 || std::stoi(port) == 0)
            throw std::invalid_argument("URL " + text + " has a bad port");
        url.port = static_cast<uint16_t>(std::stoi(port));
    }
    url.host = authority;
    if (host == "localhost") host = "127.0.0.1";
    url.addr.sin_family = AF_INET;
    url.addr.sin_port = htons(url.port);
    if (inet_pton(AF_INET, host.c_str(), &url.addr.sin_addr) != 1)
        throw std::invalid_argument("URL " + text + ": the host must be a numeric IPv4 address");
    return url;
}

} // namespace bench
