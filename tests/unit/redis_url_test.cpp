#include "redis/redis_url.hpp"

#include <doctest/doctest.h>

using ssehub::redis::RedisUrl;

static RedisUrl ok(const char* text) {
    auto parsed = RedisUrl::parse(text);
    REQUIRE_MESSAGE(std::holds_alternative<RedisUrl>(parsed), text);
    return std::get<RedisUrl>(parsed);
}

static std::string bad(const char* text) {
    auto parsed = RedisUrl::parse(text);
    REQUIRE_MESSAGE(std::holds_alternative<std::string>(parsed), text);
    return std::get<std::string>(parsed);
}

TEST_CASE("redis:// URLs: host, port, database and user") {
    RedisUrl u = ok("redis://127.0.0.1:6380/2");
    CHECK(u.kind == RedisUrl::Kind::Tcp);
    CHECK(u.host == "127.0.0.1");
    CHECK(u.port == 6380);
    CHECK(u.db == 2);
    CHECK(u.user.empty());

    u = ok("redis://cache.example");
    CHECK(u.host == "cache.example");
    CHECK(u.port == 6379);
    CHECK(u.db == 0);

    u = ok("redis://alice@redis-1:7000/");
    CHECK(u.user == "alice");
    CHECK(u.host == "redis-1");
    CHECK(u.port == 7000);
    CHECK(u.db == 0);

    u = ok("redis://[::1]:6379/15");
    CHECK(u.host == "::1");
    CHECK(u.db == 15);
    CHECK(u.to_string() == "redis://[::1]:6379/15");
    CHECK(ok("redis://alice@h:1/3").to_string() == "redis://alice@h:1/3");
}

TEST_CASE("unix: URLs name an absolute socket path") {
    RedisUrl u = ok("unix:/run/redis/redis.sock");
    CHECK(u.kind == RedisUrl::Kind::Unix);
    CHECK(u.path == "/run/redis/redis.sock");
    CHECK(ok("unix:///tmp/r.sock").path == "/tmp/r.sock");
    CHECK(u.to_string() == "unix:/run/redis/redis.sock");
    CHECK(bad("unix:relative.sock").find("absolute") != std::string::npos);
    bad("unix:");
}

TEST_CASE("malformed URLs and unknown schemes are refused with a reason") {
    CHECK(bad("http://127.0.0.1:6379").find("unknown scheme 'http'") != std::string::npos);
    CHECK(bad("rediss://h:6379").find("TLS") != std::string::npos);
    CHECK(bad("127.0.0.1:6379").find("unknown scheme") != std::string::npos);
    CHECK(bad("localhost").find("not a URL") != std::string::npos);
    bad("");
    bad("redis://");
    bad("redis://:6379");
    bad("redis://host:");
    bad("redis://host:0");
    bad("redis://host:65536");
    bad("redis://host:12ab");
    bad("redis://host/db");
    bad("redis://host/-1");
    bad("redis://ho st");
    bad("redis://[::1");
    bad("redis://[zz]:1");
    bad("redis://[::1]x");
    bad("redis://@host");
    bad("redis://host?timeout=1");
    CHECK(bad("redis://alice:secret@host").find("--redis-password-file") != std::string::npos);
}
