// `tls init`'s host rules (src/cli/tls_hosts.hpp): which --host goes into a certificate and in
// what form, and the default list. Pure; no OpenSSL needed.
#include "cli/tls_hosts.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace ssehub::cli;

namespace {

std::string host_or_error(const std::string& text) {
    std::string why;
    auto host = certificate_host(text, why);
    return host ? *host : "error: " + why;
}

} // namespace

TEST_CASE("certificate_host: addresses in canonical form, names in lower case") {
    CHECK(host_or_error("127.0.0.1") == "127.0.0.1");
    CHECK(host_or_error("::1") == "::1");
    CHECK(host_or_error("[::1]") == "::1");
    CHECK(host_or_error("0:0:0:0:0:0:0:1") == "::1");
    CHECK(host_or_error("FE80::A") == "fe80::a");
    CHECK(host_or_error("Hub.Example.COM") == "hub.example.com");
    CHECK(host_or_error("hub-1.intranet") == "hub-1.intranet");
    CHECK(host_or_error("*.intranet.test") == "*.intranet.test");
    CHECK(host_or_error("localhost") == "localhost");
    CHECK(is_ip_address("10.1.2.3"));
    CHECK(is_ip_address("2001:db8::1"));
    CHECK_FALSE(is_ip_address("hub.test"));
}

TEST_CASE("certificate_host: what no certificate checker would match is refused") {
    for (const char* bad : {"", "https://hub.test", "hub.test:8443", "hub.test/", "hub.test.",
                            "hub_1.test", "-hub.test", "hub-.test", "a..b", "hub.*.test", "*", "*.",
                            "fe80::1%eth0", "[hub.test]", "10.0.0.256", "1.2.3",
                            "h\xc3\xbc"
                            "b.test",
                            "hub test"}) {
        CAPTURE(bad);
        CHECK(host_or_error(bad).rfind("error: ", 0) == 0);
    }
    CHECK(host_or_error(std::string(64, 'a') + ".test").rfind("error: ", 0) == 0);
    CHECK(host_or_error(std::string(63, 'a') + ".test") == std::string(63, 'a') + ".test");
    std::string long_name;
    while (long_name.size() < 250)
        long_name += "abcdefghi.";
    CHECK(host_or_error(long_name + "test").rfind("error: ", 0) == 0);
}

TEST_CASE("default_tls_hosts: loopback names and addresses, and the machine's name") {
    std::string left_out;
    CHECK(default_tls_hosts("Build-Box", left_out) ==
          std::vector<std::string>{"localhost", "127.0.0.1", "::1", "build-box"});
    CHECK(left_out.empty());
    CHECK(default_tls_hosts("localhost", left_out) ==
          std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
    CHECK(default_tls_hosts("bad_name", left_out) ==
          std::vector<std::string>{"localhost", "127.0.0.1", "::1"});
    CHECK(left_out.find("bad_name") != std::string::npos);
    CHECK(default_tls_hosts("", left_out).size() == 3);
    CHECK_FALSE(left_out.empty());
}
