#include "app/cross_site.hpp"

#include <algorithm>
#include <cctype>

namespace ssehub::app {
namespace {

bool iequal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// "host", "host:port", "[v6]" or "[v6]:port" -> the host ("[v6]" keeps its brackets).
std::string_view host_without_port(std::string_view authority) {
    if (!authority.empty() && authority.front() == '[') {
        size_t close = authority.find(']');
        return close == std::string_view::npos ? std::string_view()
                                               : authority.substr(0, close + 1);
    }
    return authority.substr(0, authority.find(':'));
}

// "scheme://host[:port]" -> host; anything else (such as "null") -> empty.
std::string_view origin_host(std::string_view origin) {
    size_t sep = origin.find("://");
    if (sep == std::string_view::npos) return {};
    std::string_view rest = origin.substr(sep + 3);
    return host_without_port(rest.substr(0, rest.find('/')));
}

} // namespace

std::optional<std::string> cross_site_refusal(const Request& req, const OriginList* admitted) {
    const std::string* site = req.header("sec-fetch-site");
    if (site &&
        (iequal(*site, "same-origin") || iequal(*site, "same-site") || iequal(*site, "none")))
        return std::nullopt;
    const std::string* origin = req.header("origin");
    if (origin) {
        if (admitted && admitted->names(*origin)) return std::nullopt;
        const std::string* host = req.header("host");
        std::string_view page = origin_host(*origin);
        if (host && !page.empty() && iequal(page, host_without_port(*host))) return std::nullopt;
        return "cross-site request refused: origin " + *origin +
               " may not publish (same-site pages and origins --cors-origin names only)";
    }
    if (site) return "cross-site request refused: Sec-Fetch-Site " + *site + " may not publish";
    return std::nullopt;
}

} // namespace ssehub::app
