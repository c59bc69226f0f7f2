// Every numeric option and config key: ranges, signs, octal and hex; repeated config keys;
// IPv4-mapped --publish-allow entries; the client's --url, --timeout and --interval.
#include "base/cidr.hpp"
#include "cmd/command_line.hpp"
#include "config/size_value.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace ssehub::config;
using namespace ssehub::cmd;

namespace {

Invocation parse(std::vector<std::string> args) {
    args.insert(args.begin(), "ssehub");
    std::vector<const char*> argv;
    for (const std::string& a : args)
        argv.push_back(a.c_str());
    return parse_command_line(static_cast<int>(argv.size()), argv.data());
}

// A config file holding `text`, removed when the test ends.
struct ConfigFile {
    std::string path;
    explicit ConfigFile(const std::string& text) {
        path = (std::filesystem::temp_directory_path() /
                ("ssehub-option-values-" + std::to_string(getpid()).append(".conf")))
                   .string();
        std::ofstream(path) << text;
    }
    ~ConfigFile() { std::filesystem::remove(path); }
};

struct NumericOption {
    const char* name;    // without "--"; also the config key
    const char* lowest;  // the smallest value accepted
    const char* highest; // the largest value accepted
    const char* below;   // just under the range ("" when the range starts at 0)
    const char* above;   // just over it
};

// Every numeric option of `ssehub serve`.
const NumericOption serve_numbers[] = {
    {"heartbeat", "1", "86400", "0", "86401"},
    {"retry-ms", "0", "86400000", "", "86400001"},
    {"history-events", "0", "10000000", "", "10000001"},
    {"history-bytes", "0", "64G", "", "68719476737"},
    {"max-subscribers", "1", "10000000", "0", "10000001"},
    {"max-header-bytes", "64", "16M", "63", "16777217"},
    {"max-event-bytes", "1", "1G", "0", "1073741825"},
    {"request-timeout", "1", "3600", "0", "3601"},
    {"max-queued-bytes", "1K", "64G", "1023", "64G1"},
    {"shutdown-grace", "0", "3600", "", "3601"},
};

void check_refused(const std::vector<std::string>& args, const std::string& name) {
    Invocation inv = parse(args);
    INFO(args.back());
    CHECK(inv.exit_now);
    CHECK(inv.exit_status == 2);
    CHECK(inv.message.find(name) != std::string::npos);
}

} // namespace

TEST_CASE("every numeric serve option refuses negative, out-of-range and non-decimal values") {
    for (const NumericOption& o : serve_numbers) {
        std::string option = std::string("--") + o.name;
        INFO(option);
        for (const char* good : {o.lowest, o.highest}) {
            Invocation inv = parse({"serve", option, good});
            CHECK_MESSAGE(!inv.exit_now, inv.message);
        }
        std::vector<std::string> bad = {"-3",
                                        "-0",
                                        "+5",
                                        " 5",
                                        "5 ",
                                        "0x10",
                                        "1e3",
                                        "",
                                        "18446744073709551616",
                                        "99999999999999999999G",
                                        o.above};
        if (*o.below) bad.push_back(o.below);
        for (const std::string& value : bad)
            check_refused({"serve", option, value}, option);
    }
}

TEST_CASE("every numeric config key refuses the same values, naming the file and the key") {
    for (const NumericOption& o : serve_numbers) {
        INFO(o.name);
        for (std::string value : {std::string("-3"), std::string(o.above), std::string("0x10")}) {
            ConfigFile file(std::string(o.name) + " = " + value + "\n");
            Invocation inv = parse({"serve", "--config", file.path});
            CHECK(inv.exit_status == 2);
            CHECK(inv.message.find(file.path) != std::string::npos);
            CHECK(inv.message.find(o.name) != std::string::npos);
        }
    }
}

TEST_CASE("whole numbers are decimal: a leading zero is not octal") {
    Invocation inv = parse({"serve", "--heartbeat", "010", "--history-events", "0100"});
    REQUIRE_FALSE(inv.exit_now);
    CHECK(inv.serve.heartbeat_s == 10);
    CHECK(inv.serve.history_events == 100);
    CHECK(parse_whole_number("18446744073709551615") == UINT64_MAX);
    CHECK_FALSE(parse_whole_number("18446744073709551616"));
    CHECK_FALSE(parse_whole_number("-1"));
    CHECK_FALSE(parse_whole_number("+1"));
    CHECK_FALSE(parse_size("-1K"));
}

TEST_CASE("a config key given twice is an error; list keys add up") {
    {
        // The second value used to be dropped unchecked: the first won.
        ConfigFile file("max-event-bytes = 1K\nheartbeat = 5\nmax-event-bytes = 3000\n");
        Invocation inv = parse({"serve", "--config", file.path});
        CHECK(inv.exit_status == 2);
        CHECK(inv.message.find("max-event-bytes") != std::string::npos);
        CHECK(inv.message.find("more than once") != std::string::npos);
    }
    {
        ConfigFile file("heartbeat = 5\nheartbeat = -3\n");
        CHECK(parse({"serve", "--config", file.path}).exit_status == 2);
    }
    {
        ConfigFile file("listen = \"127.0.0.1:0\"\nheartbeat = 5\nlisten = \"unix:/tmp/x.sock\"\n"
                        "publish-allow = \"10.0.0.0/8\"\npublish-allow = \"::1\"\n");
        Invocation inv = parse({"serve", "--config", file.path});
        REQUIRE_MESSAGE(!inv.exit_now, inv.message);
        CHECK(inv.serve.listen == std::vector<std::string>{"127.0.0.1:0", "unix:/tmp/x.sock"});
        CHECK(inv.serve.publish_allow.size() == 2);
    }
    {
        // The command line still wins, however often the file gives a list key.
        ConfigFile file("max-event-bytes = 1K\nlisten = \"127.0.0.1:1\"\n");
        Invocation inv =
            parse({"serve", "--config", file.path, "--max-event-bytes", "2K", "--listen", "x:2"});
        REQUIRE_MESSAGE(!inv.exit_now, inv.message);
        CHECK(inv.serve.max_event_bytes == 2048);
        CHECK(inv.serve.listen == std::vector<std::string>{"x:2"});
    }
}

TEST_CASE("an IPv4-mapped --publish-allow entry matches IPv4 peers") {
    auto mapped = ssehub::base::Cidr::parse("::ffff:127.0.0.1/128");
    REQUIRE(mapped);
    CHECK_FALSE(mapped->v6);
    CHECK(mapped->prefix == 32);
    sockaddr_in v4{};
    v4.sin_family = AF_INET;
    inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr);
    CHECK(mapped->contains(reinterpret_cast<sockaddr*>(&v4)));
    sockaddr_in6 dual{};
    dual.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &dual.sin6_addr);
    CHECK(mapped->contains(reinterpret_cast<sockaddr*>(&dual)));
    inet_pton(AF_INET, "127.0.0.2", &v4.sin_addr);
    CHECK_FALSE(mapped->contains(reinterpret_cast<sockaddr*>(&v4)));
    auto range = ssehub::base::Cidr::parse("::ffff:10.0.0.0/104");
    REQUIRE(range);
    CHECK(range->prefix == 8);
    inet_pton(AF_INET, "10.9.8.7", &v4.sin_addr);
    CHECK(range->contains(reinterpret_cast<sockaddr*>(&v4)));
    CHECK_FALSE(ssehub::base::Cidr::parse("127.0.0.1/-1"));
    CHECK_FALSE(ssehub::base::Cidr::parse("127.0.0.1/33"));
    CHECK_FALSE(ssehub::base::Cidr::parse("::1/129"));
}

TEST_CASE("--listen refuses a port that is not 0 to 65535") {
    for (const char* spec : {"127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80", "[::1]:99999",
                             "tls:127.0.0.1:0x50", "127.0.0.1:80 "})
        check_refused({"serve", "--listen", spec}, "--listen");
    CHECK_FALSE(parse({"serve", "--listen", "127.0.0.1:65535"}).exit_now);
    CHECK_FALSE(parse({"serve", "--listen", "[::1]:0"}).exit_now);
}

TEST_CASE("client options: --url refuses CR, LF, spaces and controls; numbers are checked") {
    for (const char* url : {"http://127.0.0.1:8080/a\r\nX-Injected: 1", "http://127.0.0.1/a b",
                            "http://127.0.0.1/\n", "http://host\r\n:80", "http://h/\x01"}) {
        check_refused({"publish", "--url", url, "--data", "x"}, "--url");
        check_refused({"subscribe", "--url", url}, "--url");
        check_refused({"stats", "--url", url}, "--url");
    }
    CHECK_FALSE(parse({"subscribe", "--url", "http://127.0.0.1:8080/a%20b"}).exit_now);
    for (const char* v : {"0", "-1", "3601", "nan", "1.5", "0x10"})
        check_refused({"subscribe", "--timeout", v}, "--timeout");
    Invocation inv = parse({"subscribe", "--timeout", "010", "--max-events", "010"});
    REQUIRE_FALSE(inv.exit_now);
    CHECK(inv.client.timeout_s == 10);
    CHECK(inv.client.max_events == 10);
    CHECK(parse({"subscribe"}).client.timeout_s == 10);
    for (const char* v : {"nan", "-nan", "inf", "-1", "3601", "1e9", "0x10", ""})
        check_refused({"stats", "--interval", v}, "--interval");
    CHECK(parse({"stats", "--interval", "0.5"}).client.interval_s == 0.5);
}
