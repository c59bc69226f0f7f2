// One parsed HTTP request, as the router sees it. Owned by the connection's RequestReader and
// reset between keep-alive requests.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssehub::app {

struct Request {
    std::string method;
    std::string target;                                       // as sent: path and query
    std::vector<std::pair<std::string, std::string>> headers; // names lower-cased
    std::string body;
    bool keep_alive = true;

    // The first header of that name (lower-case), or null.
    const std::string* header(std::string_view name) const {
        for (const auto& [k, v] : headers)
            if (k == name) return &v;
        return nullptr;
    }
    size_t header_count(std::string_view name) const {
        size_t n = 0;
        for (const auto& h : headers)
            n += h.first == name;
        return n;
    }
    std::string_view path() const {
        std::string_view t = target;
        return t.substr(0, t.find('?'));
    }
    std::string_view query() const {
        std::string_view t = target;
        size_t q = t.find('?');
        return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
    }
    void clear() {
        method.clear();
        target.clear();
        headers.clear();
        body.clear();
        keep_alive = true;
    }
};

} // namespace ssehub::app
