// The one URL parser (src/base/url.hpp), which --url and --redis reach: never crashes; a
// refusal says why; an accepted URL holds no space or control byte, a host of the allowed
// characters, and written back from its parts it parses to the same parts.
#include "base/url.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>

using ssehub::base::Url;

namespace {

bool printable(const std::string& s) {
    for (char ch : s) {
        auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7f) return false;
    }
    return true;
}

bool host_ok(const Url& u) {
    if (u.host.empty()) return false;
    size_t zone = u.ipv6 ? u.host.find('%') : std::string::npos; // [fe80::1%eth0]
    if (zone + 1 == u.host.size()) return false;
    for (size_t i = 0; i < u.host.size(); ++i) {
        char c = u.host[i];
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        bool name = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    c == '.' || c == '-' || c == '_';
        bool address = u.ipv6 && i < zone;
        if (address ? !(hex || c == ':' || c == '.') : (i != zone && !name)) return false;
    }
    return true;
}

std::string written_back(const Url& u) {
    std::string out = u.scheme;
    out += "://";
    if (u.has_userinfo()) {
        out += u.user;
        if (u.password) {
            out += ':';
            out += *u.password;
        }
        out += '@';
    }
    out += u.host_text();
    if (u.port) {
        out += ':';
        out += std::to_string(*u.port);
    }
    out += u.path;
    if (u.query) {
        out += '?';
        out += *u.query;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    auto parsed = ssehub::base::parse_url(input);
    const auto* url = std::get_if<Url>(&parsed);
    if (!url) {
        if (std::get<std::string>(parsed).empty()) std::abort(); // a refusal says why
        return 0;
    }
    if (url->scheme.empty() || !host_ok(*url) || !printable(url->user) ||
        !printable(url->password.value_or("")) || !printable(url->path) ||
        !printable(url->query.value_or("")) || (!url->path.empty() && url->path[0] != '/'))
        std::abort();
    auto again = ssehub::base::parse_url(written_back(*url));
    const auto* same = std::get_if<Url>(&again);
    if (!same || same->scheme != url->scheme || same->user != url->user ||
        same->password != url->password || same->host != url->host || same->ipv6 != url->ipv6 ||
        same->port != url->port || same->path != url->path || same->query != url->query)
        std::abort();
    return 0;
}
