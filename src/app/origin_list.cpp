#include "app/origin_list.hpp"

#include <algorithm>

namespace ssehub::app {

namespace {

constexpr size_t max_origin_bytes = 1024;

char lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == y; });
}

// `b` is lower case already.
bool iends_with(std::string_view a, std::string_view b) {
    return a.size() >= b.size() && equal_ignoring_case(a.substr(a.size() - b.size()), b);
}

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = lower(c);
    return out;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A DNS name as browsers serialize it in an origin: ASCII (IDNs in punycode), labels of 1 to 63
// letters, digits, '-' or '_', no empty label (so no trailing dot), 253 bytes at most.
bool is_host_name(std::string_view host) {
    if (host.empty() || host.size() > 253) return false;
    size_t label = 0;
    for (char c : host) {
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        bool ok = is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'z') || c == '-' || c == '_';
        if (!ok || ++label > 63) return false;
    }
    return label > 0;
}

// "[...]": what an IPv6 literal may hold (the address itself is not checked further: a wrong
// one simply matches nothing).
bool is_ipv6_literal(std::string_view host) {
    if (host.size() < 4 || host.size() > 47 || host.front() != '[' || host.back() != ']')
        return false;
    return std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
        return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.';
    });
}

enum class Fault {
    None,
    TooLong,
    Control,
    NotOrigin,
    Scheme,
    Userinfo,
    Path,
    QueryOrFragment,
    Host,
    Wildcard,
    TopLevel,
    Port
};

struct Parts {
    bool https = false;
    std::string_view host;
    uint16_t port = 0; // 0: the scheme's default
    bool any_port = false;
    bool subdomains = false; // host is the ".example.com" after "*"
};

// One parser for both sides, so that an entry and an Origin header are read alike. `pattern`:
// an entry, where '*' may stand for the port or the leftmost labels.
Fault parse(std::string_view text, bool pattern, Parts& out) {
    if (text.size() > max_origin_bytes) return Fault::TooLong;
    for (char c : text)
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f)
            return Fault::Control;
    size_t sep = text.find("://");
    if (sep == std::string_view::npos) return Fault::NotOrigin;
    std::string_view scheme = text.substr(0, sep);
    if (equal_ignoring_case(scheme, "https"))
        out.https = true;
    else if (!equal_ignoring_case(scheme, "http"))
        return Fault::Scheme;
    std::string_view rest = text.substr(sep + 3);
    size_t end = rest.find_first_of("/?#");
    std::string_view authority = rest.substr(0, end);
    if (authority.find('@') != std::string_view::npos) return Fault::Userinfo;
    if (end != std::string_view::npos)
        return rest[end] == '/' ? Fault::Path : Fault::QueryOrFragment;

    std::string_view port;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        size_t close = authority.find(']');
        if (close == std::string_view::npos) return Fault::Host;
        out.host = authority.substr(0, close + 1);
        std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return Fault::Host;
            port = after.substr(1);
            has_port = true;
        }
        if (!is_ipv6_literal(out.host)) return Fault::Host;
    } else {
        size_t colon = authority.find(':');
        out.host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            port = authority.substr(colon + 1);
            has_port = true;
        }
        if (pattern && out.host.starts_with("*.")) {
            out.subdomains = true;
            out.host.remove_prefix(1); // ".example.com"
            std::string_view suffix = out.host.substr(1);
            if (suffix.find('*') != std::string_view::npos) return Fault::Wildcard;
            if (!is_host_name(suffix)) return Fault::Host;
            if (suffix.find('.') == std::string_view::npos) return Fault::TopLevel;
            // "*.0.0.1" would match addresses, which have no subdomains.
            if (is_digit(suffix.back())) return Fault::Wildcard;
        } else if (out.host.find('*') != std::string_view::npos) {
            return pattern ? Fault::Wildcard : Fault::Host;
        } else if (!is_host_name(out.host)) {
            return Fault::Host;
        }
    }
    if (!has_port) return Fault::None;
    if (pattern && port == "*") {
        out.any_port = true;
        return Fault::None;
    }
    // As a browser writes it: 1 to 65535, no sign, no leading zero.
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        !std::all_of(port.begin(), port.end(), is_digit))
        return Fault::Port;
    uint32_t n = 0;
    for (char c : port)
        n = n * 10 + static_cast<uint32_t>(c - '0');
    if (n > 65535) return Fault::Port;
    out.port = n == (out.https ? 443u : 80u) ? 0 : static_cast<uint16_t>(n);
    return Fault::None;
}

std::string explain(Fault fault, std::string_view entry) {
    // Appended, not "'" + ...: GCC 12 at -O3 sees a false overlap in operator+ (-Wrestrict).
    std::string e(1, '\'');
    e.append(entry.substr(0, 200));
    e += '\'';
    switch (fault) {
    case Fault::None:
        return {};
    case Fault::TooLong:
        return "an origin longer than " + std::to_string(max_origin_bytes) + " bytes";
    case Fault::Control:
        return e + " holds a space, a control character or a non-ASCII byte (write an "
                   "international domain name in its xn-- form)";
    case Fault::NotOrigin:
        return e + " is not an origin: scheme://host[:port], such as https://app.example, or *";
    case Fault::Scheme:
        return e + ": the scheme must be http or https";
    case Fault::Userinfo:
        return e + ": an origin has no user name or password";
    case Fault::Path:
        return e + ": an origin has no path, not even a trailing /";
    case Fault::QueryOrFragment:
        return e + ": an origin has no query or fragment";
    case Fault::Host:
        return e + ": the host is not a host name or an [IPv6] address";
    case Fault::Wildcard:
        return e + ": * stands only for the port (http://host:*) or for the leftmost labels "
                   "of a host name (https://*.example.com)";
    case Fault::TopLevel:
        return e + ": *. needs at least two labels after it (https://*.example.com)";
    case Fault::Port:
        return e + ": the port is not 1 to 65535";
    }
    return {};
}

} // namespace

std::optional<std::string> OriginList::check(std::string_view entry) {
    if (entry == "*") return std::nullopt;
    if (equal_ignoring_case(entry, "null"))
        return std::string("'null' cannot be listed: browsers send Origin: null for sandboxed "
                           "frames, file: pages and redirected requests of any site");
    Parts parts;
    Fault fault = parse(entry, true, parts);
    if (fault == Fault::None) return std::nullopt;
    return explain(fault, entry);
}

std::optional<std::string> OriginList::add(std::string_view entry) {
    if (auto bad = check(entry)) return bad;
    std::string text;
    if (entry == "*") {
        any_ = true;
        text = "*";
    } else {
        Parts p;
        parse(entry, true, p);
        Entry e;
        e.https = p.https;
        e.any_port = p.any_port;
        e.port = p.port;
        e.subdomains = p.subdomains;
        e.host = lowered(p.host);
        text.clear();
        text.append(e.https ? "https://" : "http://");
        if (e.subdomains) text += '*';
        text += e.host;
        if (e.any_port) {
            text += ":*";
        } else if (e.port != 0) {
            text += ':';
            text += std::to_string(e.port);
        }
        if (std::find(text_.begin(), text_.end(), text) != text_.end()) return std::nullopt;
        entries_.push_back(std::move(e));
    }
    if (std::find(text_.begin(), text_.end(), text) == text_.end()) text_.push_back(text);
    return std::nullopt;
}

bool OriginList::names(std::string_view origin) const {
    if (entries_.empty()) return false;
    Parts p;
    if (parse(origin, false, p) != Fault::None) return false;
    for (const Entry& e : entries_) {
        if (e.https != p.https || (!e.any_port && e.port != p.port)) continue;
        if (e.subdomains ? p.host.size() > e.host.size() && iends_with(p.host, e.host)
                         : equal_ignoring_case(p.host, e.host))
            return true;
    }
    return false;
}

OriginList OriginList::everyone() {
    OriginList list;
    list.add("*");
    return list;
}

void OriginList::append_headers(const std::string* origin, std::string& out) const {
    if (entries_.empty()) {
        if (any_) out += "Access-Control-Allow-Origin: *\r\n";
        return;
    }
    out += "Vary: Origin\r\n";
    if (origin && names(*origin)) {
        // names() accepted only a plain origin: no CR, LF or other byte that could end the line.
        out += "Access-Control-Allow-Origin: ";
        out += *origin;
        out += "\r\nAccess-Control-Allow-Credentials: true\r\n";
    } else if (any_) {
        out += "Access-Control-Allow-Origin: *\r\n";
    }
}

} // namespace ssehub::app
