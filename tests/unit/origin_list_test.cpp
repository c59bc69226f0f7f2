#include "app/origin_list.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using ssehub::app::OriginList;

namespace {

OriginList list_of(std::vector<std::string> entries) {
    OriginList list;
    for (const std::string& e : entries) {
        auto bad = list.add(e);
        INFO(e);
        REQUIRE_FALSE(bad);
    }
    return list;
}

std::string headers_for(const OriginList& list, const char* origin) {
    std::string out;
    std::string o = origin ? origin : "";
    list.append_headers(origin ? &o : nullptr, out);
    return out;
}

} // namespace

TEST_CASE("an origin matches itself, scheme and host without regard to case") {
    OriginList list = list_of({"https://App.Example", "http://intranet:81"});
    CHECK(list.names("https://app.example"));
    CHECK(list.names("HTTPS://APP.EXAMPLE"));
    CHECK(list.names("http://intranet:81"));
    CHECK_FALSE(list.names("http://app.example"));       // another scheme
    CHECK_FALSE(list.names("https://app.example:8443")); // another port
    CHECK_FALSE(list.names("http://intranet"));          // port 80, not 81
    CHECK_FALSE(list.names("http://intranet:810"));
    CHECK_FALSE(list.any());
    CHECK(list.entries() == std::vector<std::string>{"https://app.example", "http://intranet:81"});
}

TEST_CASE("the default port is the same as none, on both sides") {
    OriginList list = list_of({"http://a.example:80", "https://b.example"});
    CHECK(list.names("http://a.example"));
    CHECK(list.names("http://a.example:80"));
    CHECK(list.names("https://b.example:443"));
    CHECK_FALSE(list.names("http://a.example:443"));
    CHECK_FALSE(list.names("https://b.example:80"));
    CHECK(list.entries() == std::vector<std::string>{"http://a.example", "https://b.example"});
}

TEST_CASE("a port pattern matches every port of that host, and none") {
    OriginList list = list_of({"http://intranet:*"});
    CHECK(list.names("http://intranet"));
    CHECK(list.names("http://intranet:81"));
    CHECK(list.names("http://intranet:43124"));
    CHECK_FALSE(list.names("https://intranet:81"));
    CHECK_FALSE(list.names("http://intranet.evil.com:81"));
    CHECK_FALSE(list.names("http://xintranet:81"));
}

TEST_CASE("a host pattern matches one label or more before the suffix, never the suffix") {
    OriginList list = list_of({"https://*.example.com"});
    CHECK(list.names("https://a.example.com"));
    CHECK(list.names("https://a.b.example.com"));
    CHECK(list.names("https://A.EXAMPLE.COM"));
    CHECK_FALSE(list.names("https://example.com"));
    CHECK_FALSE(list.names("https://.example.com"));
    CHECK_FALSE(list.names("https://aexample.com"));
    CHECK_FALSE(list.names("https://a.example.com:8443"));
    CHECK_FALSE(list.names("http://a.example.com"));
    CHECK_FALSE(list.names("https://a.example.com.evil.com"));
    CHECK_FALSE(list.names("https://a.example.evil.com"));
    OriginList both = list_of({"http://*.example.com:*"});
    CHECK(both.names("http://x.example.com:81"));
    CHECK(both.names("http://x.example.com"));
}

TEST_CASE("hostile Origin headers match nothing") {
    OriginList list = list_of({"http://a.example", "http://*.example.com:*"});
    for (std::string bad : {
             "http://a.example.evil.com",
             "http://evil.com#@a.example",
             "http://evil.com?@a.example",
             "http://a.example@evil.com",
             "http://user@a.example",
             "http://a.example/",
             "http://a.example/path",
             "http://a.example:",
             "http://a.example:080",
             "http://a.example:+80",
             "http://a.example:99999",
             "http://a.example:0",
             "http://a.example.",
             "http://a..example",
             "http://*.example.com",
             "http:/a.example",
             "a.example",
             "//a.example",
             "null",
             "",
             "ftp://a.example",
             "javascript://a.example",
             "http://a.example\r\nSet-Cookie: x=1",
             "http://a.example\n",
             "http://a.example ",
             " http://a.example",
             "http://a.ex ample",
             "http://a.ex\x7f"
             "ample",
             "http://\xc3\xa4.example",
             "http://[::1",
             "http://[::1]x",
             "http://[zz::1]",
         }) {
        INFO(bad);
        CHECK_FALSE(list.names(bad));
        CHECK_FALSE(list.credentials_for(bad));
        CHECK(headers_for(list, bad.c_str()) == "Vary: Origin\r\n");
    }
    std::string with_nul("http://a.example\0.evil.com", 26);
    CHECK_FALSE(list.names(with_nul));
    std::string nul_end("http://a.example\0", 17);
    CHECK_FALSE(list.names(nul_end));
    std::string huge = "http://" + std::string(100000, 'a') + ".example.com";
    CHECK_FALSE(list.names(huge));
    std::string long_label = "http://" + std::string(64, 'a') + ".example.com";
    CHECK_FALSE(list.names(long_label));
    std::string ok_label = "http://" + std::string(63, 'a') + ".example.com";
    CHECK(list.names(ok_label));
}

TEST_CASE("IPv6 and IPv4 hosts") {
    OriginList list = list_of({"http://[::1]:*", "http://127.0.0.1:8080"});
    CHECK(list.names("http://[::1]:3000"));
    CHECK(list.names("http://[::1]"));
    CHECK(list.names("http://127.0.0.1:8080"));
    CHECK_FALSE(list.names("http://127.0.0.1"));
    CHECK_FALSE(list.names("http://[::2]:3000"));
}

TEST_CASE("entries that cannot be listed say why") {
    struct Case {
        const char* entry;
        const char* says;
    };
    for (Case c : {
             Case{"null", "cannot be listed"},
             Case{"NULL", "cannot be listed"},
             Case{"app.example", "is not an origin"},
             Case{"ftp://app.example", "scheme must be http or https"},
             Case{"ws://app.example", "scheme must be http or https"},
             Case{"https://app.example/", "no path"},
             Case{"https://app.example/x", "no path"},
             Case{"https://app.example?x", "no query"},
             Case{"https://app.example#x", "no query"},
             Case{"https://u:p@app.example", "user name"},
             Case{"https://app.example:0", "port"},
             Case{"https://app.example:65536", "port"},
             Case{"https://app.example:", "port"},
             Case{"https://app.example:8x", "port"},
             Case{"https://*.com", "two labels"},
             Case{"https://*", "* stands only"},
             Case{"https://a*.example.com", "* stands only"},
             Case{"https://a.*.example.com", "* stands only"},
             Case{"https://*.*.example.com", "* stands only"},
             Case{"http://*.0.0.1", "* stands only"},
             Case{"https://app.example:*8", "port"},
             Case{"https://", "host"},
             Case{"https://bad_host!", "host"},
             Case{"https://app example", "space"},
             Case{"https://app.example\r\n", "control character"},
         }) {
        INFO(c.entry);
        auto why = OriginList::check(c.entry);
        REQUIRE(why);
        CHECK(why->find(c.says) != std::string::npos);
        OriginList list;
        CHECK(list.add(c.entry));
        CHECK(list.empty());
    }
    CHECK(OriginList::check(std::string(2000, 'a'))->find("longer than") != std::string::npos);
    CHECK_FALSE(OriginList::check("*"));
    CHECK_FALSE(OriginList::check("HTTP://Intranet:*"));
}

TEST_CASE("\"*\" alone answers every request the same way, with no credentials") {
    OriginList list = OriginList::everyone();
    CHECK(list.any());
    CHECK(list.allows("https://anyone.example"));
    CHECK(list.allows("null"));
    CHECK_FALSE(list.names("https://anyone.example"));
    CHECK_FALSE(list.credentials_for("https://anyone.example"));
    CHECK(headers_for(list, nullptr) == "Access-Control-Allow-Origin: *\r\n");
    CHECK(headers_for(list, "https://anyone.example") == "Access-Control-Allow-Origin: *\r\n");
}

TEST_CASE("named origins are reflected with credentials; others get no Allow-Origin") {
    OriginList list = list_of({"https://app.example", "http://intranet:*"});
    CHECK(headers_for(list, "https://app.example") ==
          "Vary: Origin\r\nAccess-Control-Allow-Origin: https://app.example\r\n"
          "Access-Control-Allow-Credentials: true\r\n");
    CHECK(headers_for(list, "http://intranet:43124") ==
          "Vary: Origin\r\nAccess-Control-Allow-Origin: http://intranet:43124\r\n"
          "Access-Control-Allow-Credentials: true\r\n");
    CHECK(headers_for(list, "https://evil.example") == "Vary: Origin\r\n");
    CHECK(headers_for(list, nullptr) == "Vary: Origin\r\n");
    CHECK_FALSE(list.allows("https://evil.example"));
    CHECK(list.allows("https://app.example"));
}

TEST_CASE("\"*\" with named entries: credentials for the named, \"*\" for the rest") {
    OriginList list = list_of({"*", "https://app.example"});
    CHECK(list.any());
    CHECK(list.credentials_for("https://app.example"));
    CHECK_FALSE(list.credentials_for("https://other.example"));
    CHECK_FALSE(list.credentials_for("null"));
    CHECK(headers_for(list, "https://app.example") ==
          "Vary: Origin\r\nAccess-Control-Allow-Origin: https://app.example\r\n"
          "Access-Control-Allow-Credentials: true\r\n");
    CHECK(headers_for(list, "https://other.example") ==
          "Vary: Origin\r\nAccess-Control-Allow-Origin: *\r\n");
    CHECK(headers_for(list, "null") == "Vary: Origin\r\nAccess-Control-Allow-Origin: *\r\n");
    CHECK(headers_for(list, nullptr) == "Vary: Origin\r\nAccess-Control-Allow-Origin: *\r\n");
}

TEST_CASE("an empty list admits no other origin and says nothing") {
    OriginList list;
    CHECK_FALSE(list.allows("https://app.example"));
    CHECK(headers_for(list, "https://app.example").empty());
    CHECK(headers_for(list, nullptr).empty());
}

TEST_CASE("an entry listed twice is kept once, in its normalized form") {
    OriginList list = list_of({"https://App.example:443", "https://app.example", "*", "*"});
    CHECK(list.entries() == std::vector<std::string>{"https://app.example", "*"});
}
