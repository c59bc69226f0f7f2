#include "app/form_decoding.hpp"
#include "app/publish_body.hpp"
#include "base/cidr.hpp"
#include "config/size_value.hpp"
#include "sse/event_validation.hpp"

#include <arpa/inet.h>
#include <doctest/doctest.h>

using namespace ssehub;

TEST_CASE("query strings decode percent escapes and plus, and keep repeated keys") {
    auto p = app::parse_params("topic=a&topic=b%20c&x=1+2&empty=&flag");
    REQUIRE(p);
    REQUIRE(p->size() == 5);
    CHECK((*p)[1].second == "b c");
    CHECK((*p)[2].second == "1 2");
    CHECK((*p)[3].second == "");
    CHECK((*p)[4].first == "flag");
    CHECK_FALSE(app::parse_params("a=%zz"));
    CHECK_FALSE(app::parse_params("a=%4"));
}

TEST_CASE("a form body gives event, data and topic, event defaulting to message") {
    auto r = app::decode_publish_body("application/x-www-form-urlencoded", "data=x%0Ay&topic=t");
    auto& f = std::get<app::PublishFields>(r);
    CHECK(f.event == "message");
    CHECK(f.data == "x\ny");
    CHECK(f.topic == std::string("t"));
}

TEST_CASE("a JSON body gives the same fields; non-string data is sent as JSON text") {
    auto r = app::decode_publish_body("application/json; charset=utf-8",
                                      R"({"event":"e","data":"d\nx","topic":"t"})");
    auto& f = std::get<app::PublishFields>(r);
    CHECK(f.event == "e");
    CHECK(f.data == "d\nx");
    auto r2 = app::decode_publish_body("application/json", R"({"data":{"a":1}})");
    CHECK(std::get<app::PublishFields>(r2).data == R"({"a":1})");
}

TEST_CASE("bad bodies are refused with a reason") {
    CHECK(std::get<app::BodyError>(app::decode_publish_body("application/json", "{")).status ==
          400);
    CHECK(std::get<app::BodyError>(app::decode_publish_body("application/json", "[1]")).status ==
          400);
    CHECK(std::get<app::BodyError>(app::decode_publish_body("application/json", R"({"event":5})"))
              .status == 400);
    CHECK(std::get<app::BodyError>(app::decode_publish_body("text/plain", "x")).status == 415);
}

TEST_CASE("event validation follows SPEC.md") {
    CHECK_FALSE(sse::validate_event("ok", std::nullopt, "data", 100));
    CHECK(sse::validate_event("", std::nullopt, "", 100)->fault == sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event("a\nb", std::nullopt, "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event("a\rb", std::nullopt, "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event(std::string("a\0b", 3), std::nullopt, "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event(std::string(257, 'a'), std::nullopt, "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    CHECK_FALSE(sse::validate_event(std::string(256, 'a'), std::nullopt, "", 100));
    CHECK(sse::validate_event("ok", "t\r", "", 100)->fault == sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event("ok", std::nullopt, std::string(101, 'x'), 100)->fault ==
          sse::Rejection::Fault::TooLarge);
    CHECK(sse::validate_event("ok", std::nullopt, "\xff", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    CHECK(sse::validate_event("ssehub.gap", std::nullopt, "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
    // SPEC: a topic is 1..256 bytes; absent is fine, present and empty is not.
    CHECK(sse::validate_event("ok", "", "", 100)->fault == sse::Rejection::Fault::Invalid);
    CHECK_FALSE(sse::validate_event("ok", "t", "", 100));
    // Data is any UTF-8 text, NUL included (the event-stream grammar allows it in a data line);
    // type and topic still refuse it.
    CHECK_FALSE(sse::validate_event("ok", std::nullopt, std::string("a\0b", 3), 100));
    CHECK(sse::validate_event("ok", std::string("t\0", 2), "", 100)->fault ==
          sse::Rejection::Fault::Invalid);
}

TEST_CASE("an empty topic is kept as present, so validation refuses it; absent is none") {
    auto form = app::decode_publish_body("", "data=x&topic=");
    REQUIRE(std::get<app::PublishFields>(form).topic == std::string());
    auto json = app::decode_publish_body("application/json", R"({"data":"x","topic":""})");
    REQUIRE(std::get<app::PublishFields>(json).topic == std::string());
    auto none = app::decode_publish_body("application/json", R"({"data":"x"})");
    CHECK_FALSE(std::get<app::PublishFields>(none).topic);
}

TEST_CASE("JSON nested past the depth bound is refused without recursing") {
    auto nested = [](int depth) {
        std::string data(static_cast<size_t>(depth - 1), '[');
        data += std::string(static_cast<size_t>(depth - 1), ']');
        return "{\"data\":" + data + "}";
    };
    // The outer object counts: 64 levels in all are accepted, 65 are not.
    auto ok = app::decode_publish_body("application/json", nested(base::max_json_depth));
    REQUIRE(std::holds_alternative<app::PublishFields>(ok));
    CHECK(std::get<app::PublishFields>(ok).data.size() == 2 * (base::max_json_depth - 1));
    auto deep = app::decode_publish_body("application/json", nested(base::max_json_depth + 1));
    REQUIRE(std::holds_alternative<app::BodyError>(deep));
    CHECK(std::get<app::BodyError>(deep).reason.find("deeper than 64") != std::string::npos);
    // Far past any stack: refused, and nothing is built (an unclosed one too).
    std::string attack(200000, '[');
    CHECK(std::get<app::BodyError>(
              app::decode_publish_body("application/json", "{\"data\":" + attack + "}"))
              .status == 400);
    CHECK(std::get<app::BodyError>(app::decode_publish_body("application/json", attack)).status ==
          400);
    std::string objects;
    for (int i = 0; i < 100000; ++i)
        objects += "{\"a\":";
    CHECK(std::get<app::BodyError>(app::decode_publish_body("application/json", objects)).status ==
          400);
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation") {
    CHECK(sse::is_valid_utf8("plain ascii"));
    CHECK(sse::is_valid_utf8("\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80"));
    CHECK_FALSE(sse::is_valid_utf8("\xc0\xaf"));         // overlong '/'
    CHECK_FALSE(sse::is_valid_utf8("\xed\xa0\x80"));     // surrogate
    CHECK_FALSE(sse::is_valid_utf8("\xe2\x9c"));         // truncated
    CHECK_FALSE(sse::is_valid_utf8("\xf4\x90\x80\x80")); // past U+10FFFF
}

TEST_CASE("sizes take K, M and G suffixes") {
    CHECK(config::parse_size("123") == 123u);
    CHECK(config::parse_size("64K") == 65536u);
    CHECK(config::parse_size("16M") == 16u << 20);
    CHECK(config::parse_size("1g") == 1u << 30);
    CHECK_FALSE(config::parse_size("12Q"));
    CHECK_FALSE(config::parse_size("K"));
    CHECK_FALSE(config::parse_size("-1"));
    CHECK_FALSE(config::parse_size(""));
}

TEST_CASE("CIDR ranges match IPv4, IPv6 and v4-mapped peers") {
    auto lo = base::Cidr::parse("127.0.0.0/8");
    REQUIRE(lo);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "127.9.9.9", &a.sin_addr);
    CHECK(lo->contains(reinterpret_cast<sockaddr*>(&a)));
    inet_pton(AF_INET, "10.0.0.1", &a.sin_addr);
    CHECK_FALSE(lo->contains(reinterpret_cast<sockaddr*>(&a)));
    sockaddr_in6 b{};
    b.sin6_family = AF_INET6;
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &b.sin6_addr);
    CHECK(lo->contains(reinterpret_cast<sockaddr*>(&b)));
    auto v6 = base::Cidr::parse("::1/128");
    inet_pton(AF_INET6, "::1", &b.sin6_addr);
    CHECK(v6->contains(reinterpret_cast<sockaddr*>(&b)));
    CHECK_FALSE(base::Cidr::parse("300.1.1.1/8"));
    CHECK_FALSE(base::Cidr::parse("10.0.0.0/33"));
    CHECK_FALSE(base::Cidr::parse("10.0.0.0/"));
}
