#include "cli/tls_hosts.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cctype>
#include <climits>
#include <unistd.h>

namespace ssehub::cli {

namespace {

constexpr size_t max_dns_name = 253; // RFC 1035, written without the final dot
constexpr size_t max_dns_label = 63;

std::optional<std::string> canonical_ip(std::string_view text) {
    std::string s(text);
    unsigned char bytes[16];
    char out[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, s.c_str(), bytes) == 1)
        return inet_ntop(AF_INET, bytes, out, sizeof out) ? std::optional<std::string>(out)
                                                          : std::nullopt;
    if (inet_pton(AF_INET6, s.c_str(), bytes) == 1)
        return inet_ntop(AF_INET6, bytes, out, sizeof out) ? std::optional<std::string>(out)
                                                           : std::nullopt;
    return std::nullopt;
}

bool label_ok(std::string_view label) {
    if (label.empty() || label.size() > max_dns_label) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    return std::all_of(label.begin(), label.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
    });
}

// "'TEXT' WHAT", built by appending to a fresh string: GCC 12 at -O3 warns (-Wrestrict, a
// false positive) on "'" + std::string and on assigning a short literal.
std::string quoted_reason(std::string_view text, std::string_view what) {
    std::string out;
    out.reserve(text.size() + what.size() + 3);
    out.append(1, '\'');
    out.append(text);
    out.append("' ");
    out.append(what);
    return out;
}

} // namespace

bool is_ip_address(std::string_view host) {
    return canonical_ip(host).has_value();
}

std::optional<std::string> certificate_host(std::string_view text, std::string& why) {
    std::string_view bare = text;
    if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') {
        bare = bare.substr(1, bare.size() - 2); // [::1], as in a URL
        if (auto ip = canonical_ip(bare); ip && ip->find(':') != std::string::npos) return ip;
        why = quoted_reason(text, "is not an IPv6 address");
        return std::nullopt;
    }
    if (auto ip = canonical_ip(bare)) return ip;
    auto refuse = [&](const std::string& what) {
        why = quoted_reason(text, what);
        return std::nullopt;
    };
    if (bare.empty()) return refuse("is empty; give a host name or an IP address");
    if (bare.find("://") != std::string_view::npos || bare.find('/') != std::string_view::npos)
        return refuse("is not a host name or IP address (give the name alone, without "
                      "scheme or path)");
    if (bare.find(':') != std::string_view::npos || bare.find('%') != std::string_view::npos)
        return refuse("is not a host name or IP address (no port, no IPv6 zone)");
    if (bare.back() == '.') return refuse("ends with a dot; write the name without it");
    if (bare.size() > max_dns_name) return refuse("is longer than 253 bytes");
    // No top-level domain is all digits: "10.0.0.256" is a mistyped address, not a name.
    std::string_view last = bare.substr(bare.rfind('.') + 1);
    if (!last.empty() && last.find_first_not_of("0123456789") == std::string_view::npos)
        return refuse("is not a valid IP address");
    std::string name;
    name.reserve(bare.size());
    size_t start = 0;
    bool first = true;
    while (start <= bare.size()) {
        size_t dot = bare.find('.', start);
        std::string_view label = bare.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        bool wildcard = first && label == "*" && dot != std::string_view::npos;
        if (!wildcard && !label_ok(label))
            return refuse("is not a host name: each dot-separated part must be 1 to 63 "
                          "letters, digits or '-' (not first or last), and only the first may "
                          "be '*'");
        for (char c : label)
            name += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (dot == std::string_view::npos) break;
        name += '.';
        start = dot + 1;
        first = false;
    }
    return name;
}

std::vector<std::string> default_tls_hosts(const std::string& machine, std::string& left_out) {
    std::vector<std::string> hosts = {"localhost", "127.0.0.1", "::1"};
    left_out.clear();
    if (machine.empty()) {
        left_out = "the machine's name is unknown (gethostname failed)";
        return hosts;
    }
    std::string why;
    auto name = certificate_host(machine, why);
    if (!name)
        left_out = "the machine's name " + why;
    else if (std::find(hosts.begin(), hosts.end(), *name) == hosts.end())
        hosts.push_back(*name);
    return hosts;
}

std::string machine_name() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return {};
    return buf;
}

} // namespace ssehub::cli
