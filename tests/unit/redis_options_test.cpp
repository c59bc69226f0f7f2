#include "cmd/command_line.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace ssehub::config;
using namespace ssehub::cmd;

static Invocation parse_serve(std::vector<const char*> args) {
    args.insert(args.begin(), {"ssehub", "serve"});
    return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST_CASE("without --redis the hub is alone; the stream has a default name") {
    Invocation inv = parse_serve({});
    CHECK_FALSE(inv.exit_now);
    CHECK(inv.serve.redis.empty());
    CHECK(inv.serve.redis_stream == "ssehub:events");
}

#ifdef SSEHUB_HAVE_REDIS
TEST_CASE("--redis, --redis-password-file and --redis-stream are serve options") {
    Invocation inv =
        parse_serve({"--redis", "redis://alice@127.0.0.1:6380/1", "--redis-password-file",
                     "/etc/ssehub/redis.pw", "--redis-stream", "site:events"});
    CHECK_FALSE(inv.exit_now);
    CHECK(inv.serve.redis == "redis://alice@127.0.0.1:6380/1");
    CHECK(inv.serve.redis_password_file == "/etc/ssehub/redis.pw");
    CHECK(inv.serve.redis_stream == "site:events");
}
#endif

TEST_CASE("a bad Redis URL is a usage error naming the option") {
    for (const char* url : {"http://127.0.0.1:6379", "redis://host:99999", "nonsense"}) {
        Invocation inv = parse_serve({"--redis", url});
        CHECK(inv.exit_now);
        CHECK(inv.exit_status == 2);
        CHECK(inv.message.find("--redis") != std::string::npos);
    }
    Invocation inv = parse_serve({"--redis-stream", ""});
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find("--redis-stream") != std::string::npos);
}

#ifdef SSEHUB_HAVE_REDIS
TEST_CASE("a user name in the URL needs a password file") {
    Invocation inv = parse_serve({"--redis", "redis://alice@127.0.0.1:6379"});
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find("--redis-password-file") != std::string::npos);
}
#else
TEST_CASE("--redis in a build without hiredis is refused") {
    Invocation inv = parse_serve({"--redis", "redis://127.0.0.1:6379"});
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find("built without Redis support") != std::string::npos);
}
#endif
