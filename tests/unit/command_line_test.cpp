#include "cmd/command_line.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace ssehub::config;
using namespace ssehub::cmd;

static Invocation parse(std::vector<const char*> args) {
    args.insert(args.begin(), "ssehub");
    return parse_command_line(static_cast<int>(args.size()), args.data());
}

TEST_CASE("serve with no options has the built-in defaults") {
    Invocation inv = parse({"serve"});
    CHECK_FALSE(inv.exit_now);
    CHECK(inv.serve.listen == std::vector<std::string>{"127.0.0.1:8080"});
    CHECK(inv.serve.heartbeat_s == 15);
    CHECK(inv.serve.max_event_bytes == 64u << 10);
    CHECK(inv.serve.history_bytes == 16u << 20);
}

TEST_CASE("options parse with size suffixes and repeat") {
    Invocation inv = parse({"serve", "--listen", "127.0.0.1:0", "--listen", "unix:/tmp/x.sock",
                            "--max-event-bytes", "1K", "--log-level", "debug"});
    CHECK_FALSE(inv.exit_now);
    CHECK(inv.serve.listen.size() == 2);
    CHECK(inv.serve.max_event_bytes == 1024);
    CHECK(inv.serve.log_level == ssehub::log::Level::Debug);
}

TEST_CASE("a bad value is a usage error naming the option") {
    Invocation inv = parse({"serve", "--heartbeat", "abc"});
    CHECK(inv.exit_now);
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find("--heartbeat") != std::string::npos);
    inv = parse({"serve", "--max-queued-bytes", "12Q"});
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find("--max-queued-bytes") != std::string::npos);
    CHECK(parse({"serve", "--publish-allow", "nonsense"}).exit_status == 2);
    CHECK(parse({"serve", "--bogus"}).exit_status == 2);
    CHECK(parse({}).exit_status == 2);
}

TEST_CASE("--version and --help exit 0") {
    CHECK(parse({"--version"}).exit_status == 0);
    CHECK(parse({"--version"}).exit_now);
    Invocation help = parse({"serve", "--help"});
    CHECK(help.exit_now);
    CHECK(help.exit_status == 0);
    CHECK(help.message.find("--max-queued-bytes") != std::string::npos);
}
