// The page origins --cors-origin lists: who may read the hub's answers from another origin
// (CORS), with credentials or not, and whose pages may publish. Each entry is "*", an origin
// ("https://app.example", "http://intranet:81") or a pattern: "*" for the port
// ("http://intranet:*") or for the leftmost host labels ("https://*.example.com", one label or
// more, never "https://example.com" itself).
//
// Origins compare as browsers serialize them: scheme and host without regard to case, the
// default port (80 for http, 443 for https) the same as none (browsers never send it). An
// Origin header that is not a plain http(s) origin ("null", a path, userinfo, control
// characters) matches no entry; it can still be answered "*" when "*" is listed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssehub::app {

class OriginList {
  public:
    // An empty list: no page of another origin may read an answer.
    OriginList() = default;
    // "*" alone: the default.
    static OriginList everyone();

    // Why `entry` cannot be listed (a one-line reason naming it), or nothing when it can.
    static std::optional<std::string> check(std::string_view entry);
    // Adds an entry; returns check()'s reason instead when it cannot be listed. An entry
    // listed twice is kept once.
    std::optional<std::string> add(std::string_view entry);

    // "*" is listed: any origin may read answers, without credentials.
    bool any() const { return any_; }
    // An entry other than "*" names or matches `origin` (the Origin header's value): that page
    // may read answers with credentials (cookies) and may publish. Never "null".
    bool names(std::string_view origin) const;
    // A page of `origin` may read answers: any() or names().
    bool allows(std::string_view origin) const { return any_ || names(origin); }
    // The answer to it may carry Access-Control-Allow-Credentials: names(), never via "*".
    bool credentials_for(std::string_view origin) const { return names(origin); }

    // Appends the CORS lines ("Name: value\r\n") for an answer to a request whose Origin
    // header is `origin` (null: none). "*" alone: "Access-Control-Allow-Origin: *", whatever
    // the request; an empty list: nothing. Otherwise "Vary: Origin", and for an origin names()
    // matches the origin itself with "Access-Control-Allow-Credentials: true"; for any other, "*"
    // when listed, else nothing (the browser then keeps the answer from the page). Allocates
    // nothing beyond `out`'s growth.
    void append_headers(const std::string* origin, std::string& out) const;

    // The entries as listed, normalized: "*", "https://app.example", "http://intranet:*",
    // "https://*.example.com" (lower case, no default port). The same syntax as a CSP source
    // expression (frame-ancestors), whose matching is close to this class's.
    const std::vector<std::string>& entries() const { return text_; }
    bool empty() const { return text_.empty(); }

  private:
    struct Entry {
        bool https = false;
        bool any_port = false;
        uint16_t port = 0;       // 0: the scheme's default port (none written)
        bool subdomains = false; // host holds ".example.com": one label or more before it
        std::string host;        // lower case
    };
    bool any_ = false;
    std::vector<Entry> entries_;
    std::vector<std::string> text_;
};

} // namespace ssehub::app
