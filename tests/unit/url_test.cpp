// The one URL parser (src/base/url.hpp): the parts it finds and the reason for each refusal.
// What a scheme means (ports, db numbers, prefixes) is tested with its caller: cli_client_test
// and redis_url_test.
#include "base/url.hpp"

#include <doctest/doctest.h>

using ssehub::base::parse_url;
using ssehub::base::Url;

namespace {

Url ok(std::string_view text) {
    auto parsed = parse_url(text);
    INFO(text);
    REQUIRE(std::holds_alternative<Url>(parsed));
    return std::get<Url>(parsed);
}

std::string bad(std::string_view text) {
    auto parsed = parse_url(text);
    INFO(text);
    REQUIRE(std::holds_alternative<std::string>(parsed));
    auto reason = std::get<std::string>(parsed);
    CHECK(!reason.empty());
    return reason;
}

} // namespace

TEST_CASE("url: scheme, host, port, path and query") {
    Url u = ok("http://127.0.0.1:8080/events?topic=a&x=%20");
    CHECK(u.scheme == "http");
    CHECK(u.host == "127.0.0.1");
    CHECK(!u.ipv6);
    CHECK(u.port == 8080);
    CHECK(u.path == "/events");
    CHECK(u.query == "topic=a&x=%20");
    CHECK(!u.has_userinfo());

    u = ok("redis://cache-1.example_net");
    CHECK(u.scheme == "redis");
    CHECK(u.host == "cache-1.example_net");
    CHECK(!u.port);
    CHECK(u.path.empty());
    CHECK(!u.query);

    u = ok("http://h/a/b/");
    CHECK(u.path == "/a/b/");
    CHECK(ok("http://h?").query == "");
    CHECK(ok("http://h:0").port == 0);
    CHECK(ok("http://h:65535").port == 65535);
    CHECK(ok("svn+ssh.x-1://h").scheme == "svn+ssh.x-1");
}

TEST_CASE("url: an IPv6 host is written in brackets and kept without them") {
    Url u = ok("http://[::1]:9000/p");
    CHECK(u.host == "::1");
    CHECK(u.ipv6);
    CHECK(u.port == 9000);
    CHECK(u.host_text() == "[::1]");
    CHECK(ok("http://[2001:db8::1.2.3.4]").host == "2001:db8::1.2.3.4");
    CHECK(ok("http://h").host_text() == "h");
    CHECK(ok("http://[fe80::1%eth0]:80").host == "fe80::1%eth0");
    CHECK(bad("http://[fe80::1%]").find("bad IPv6 address") != std::string::npos);
    CHECK(bad("http://[fe80::1%e/0]").find("unterminated") != std::string::npos);
    CHECK(bad("http://[fe80::1%e!0]").find("bad IPv6 address") != std::string::npos);
    CHECK(bad("http://[1.2.3.4%eth0]").find("bad IPv6 address") != std::string::npos);
}

TEST_CASE("url: user and password before '@'") {
    Url u = ok("redis://alice@h");
    CHECK(u.user == "alice");
    CHECK(!u.password);
    CHECK(u.has_userinfo());

    u = ok("redis://alice:s3cr:et@h:1");
    CHECK(u.user == "alice");
    CHECK(u.password == "s3cr:et");
    CHECK(u.host == "h");

    u = ok("redis://:secret@h"); // Redis's default user with a password
    CHECK(u.user.empty());
    CHECK(u.password == "secret");
    CHECK(u.has_userinfo());
}

TEST_CASE("url: each refusal names its reason") {
    CHECK(bad("http://a b").find("space or a control character") != std::string::npos);
    CHECK(bad("http://h/\x01").find("control character") != std::string::npos);
    CHECK(bad("http://h/\x7f").find("control character") != std::string::npos);
    CHECK(bad("localhost").find("scheme") != std::string::npos);
    CHECK(bad("://h").find("scheme") != std::string::npos);
    CHECK(bad("1http://h").find("scheme") != std::string::npos);
    CHECK(bad("ht_tp://h").find("scheme") != std::string::npos);
    CHECK(bad("http:h").find("'//'") != std::string::npos);
    CHECK(bad("http://h/#top").find("fragment") != std::string::npos);
    CHECK(bad("http://h#top").find("fragment") != std::string::npos);
    CHECK(bad("http://@h").find("empty user name") != std::string::npos);
    CHECK(bad("http://a@b@h").find("bad character in the user name") != std::string::npos);
    CHECK(bad("http://a%20b@h").find("bad character in the user name") != std::string::npos);
    CHECK(bad("http://").find("empty host") != std::string::npos);
    CHECK(bad("http://:80").find("empty host") != std::string::npos);
    CHECK(bad("http:///path").find("empty host") != std::string::npos);
    CHECK(bad("http://[]").find("empty host") != std::string::npos);
    CHECK(bad("http://h!x").find("bad character in the host") != std::string::npos);
    CHECK(bad("http://b\xc3\xbc"
              "cher.example")
              .find("bad character in the host") != std::string::npos);
    CHECK(bad("http://[::1").find("unterminated '['") != std::string::npos);
    CHECK(bad("http://[::1]x").find("after ']'") != std::string::npos);
    CHECK(bad("http://[zz]:1").find("bad IPv6 address") != std::string::npos);
    CHECK(bad("http://h:").find("empty port") != std::string::npos);
    CHECK(bad("http://[::1]:").find("empty port") != std::string::npos);
    CHECK(bad("http://h:65536") == "'65536' is not a port number");
    CHECK(bad("http://h:12ab").find("not a port number") != std::string::npos);
    CHECK(bad("http://h:-1").find("not a port number") != std::string::npos);
    CHECK(bad("http://h:000080").find("not a port number") != std::string::npos);
    CHECK(bad("http://h:80:90").find("not a port number") != std::string::npos);
    bad("");
}
