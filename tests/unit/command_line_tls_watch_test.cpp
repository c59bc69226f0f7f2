// The command line of `ssehub tls init` and `ssehub stats --watch` (issue 21): what reaches the
// command, and what is a usage error before anything runs.
#include "cmd/command_line.hpp"

#include <doctest/doctest.h>
#include <vector>

using namespace ssehub;
using namespace ssehub::cmd;

namespace {

Invocation parse(std::vector<const char*> args) {
    args.insert(args.begin(), "ssehub");
    return parse_command_line(static_cast<int>(args.size()), args.data());
}

} // namespace

TEST_CASE("tls init: defaults, and hosts as they go into the certificate") {
    Invocation inv = parse({"tls", "init"});
    REQUIRE_FALSE(inv.exit_now);
    CHECK(inv.command == Command::Client);
    CHECK(inv.client.command == cli::ClientCommand::TlsInit);
    CHECK(inv.client.tls_init.dir == ".");
    CHECK(inv.client.tls_init.hosts.empty()); // the defaults are chosen when it runs
    CHECK(inv.client.tls_init.days == 397);
    CHECK_FALSE(inv.client.tls_init.new_ca);

    inv = parse({"tls", "init", "--dir", "/srv/tls", "--host", "Hub.Test", "--host", "[::1]",
                 "--host", "hub.test", "--host", "0:0::1", "--days", "030", "--new-ca"});
    REQUIRE_FALSE(inv.exit_now);
    CHECK(inv.client.tls_init.dir == "/srv/tls");
    CHECK(inv.client.tls_init.hosts == std::vector<std::string>{"hub.test", "::1"});
    CHECK(inv.client.tls_init.days == 30);
    CHECK(inv.client.tls_init.new_ca);
}

TEST_CASE("tls init: usage errors name the option") {
    for (std::vector<const char*> args : {std::vector<const char*>{"tls"},
                                          {"tls", "init", "--host", "hub.test:8443"},
                                          {"tls", "init", "--host", ""},
                                          {"tls", "init", "--days", "0"},
                                          {"tls", "init", "--days", "826"},
                                          {"tls", "init", "--days", "x"},
                                          {"tls", "init", "--bogus"},
                                          {"tls", "nope"}}) {
        Invocation inv = parse(args);
        CAPTURE(inv.message);
        CHECK(inv.exit_now);
        CHECK(inv.exit_status == 2);
    }
    CHECK(parse({"tls", "init", "--days", "826"}).message.find("--days") != std::string::npos);
    CHECK(parse({"tls", "init", "--days", "825"}).client.tls_init.days == 825);
    Invocation help = parse({"tls", "init", "--help"});
    CHECK(help.exit_status == 0);
    CHECK(help.message.find("--new-ca") != std::string::npos);
}

TEST_CASE("stats --watch: at least a tenth of a second between samples") {
    Invocation inv = parse({"stats", "--watch"});
    REQUIRE_FALSE(inv.exit_now);
    CHECK(inv.client.watch);
    CHECK(inv.client.interval_s == 1.0);
    CHECK(parse({"stats", "--watch", "--interval", "0.1"}).client.interval_s == 0.1);
    CHECK_FALSE(parse({"stats"}).client.watch);
    CHECK(parse({"stats", "--interval", "0"}).exit_status == 0); // one sample, as before
    for (const char* interval : {"0", "0.09"}) {
        Invocation bad = parse({"stats", "--watch", "--interval", interval});
        CHECK(bad.exit_status == 2);
        CHECK(bad.message.find("--watch needs an --interval of at least 0.1 seconds") !=
              std::string::npos);
    }
}
