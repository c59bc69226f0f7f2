// auth::read_claims (src/auth/claims.hpp): the ssehub.admin claim that grants the dashboard.
#include "auth/claims.hpp"

#include <doctest/doctest.h>

using namespace ssehub::auth;
using nlohmann::json;

namespace {

PayloadClaims read_ok(const json& payload) {
    auto read = read_claims(payload);
    if (auto* bad = std::get_if<std::string>(&read)) FAIL("refused: " << *bad);
    return std::get<PayloadClaims>(read);
}

std::string read_bad(const json& payload) {
    auto read = read_claims(payload);
    REQUIRE(std::holds_alternative<std::string>(read));
    return std::get<std::string>(read);
}

} // namespace

TEST_CASE("claims: ssehub.admin true grants the dashboard, with or without topic rights") {
    CHECK(read_ok(json::parse(R"({"ssehub": {"admin": true}})")).admin);
    PayloadClaims both = read_ok(json::parse(R"({"ssehub": {"admin": true, "publish": ["a"]}})"));
    CHECK(both.admin);
    CHECK(both.publish.allows("a"));
}

TEST_CASE("claims: admin is false when absent, false, or only in Mercure's layout") {
    CHECK(!read_ok(json::parse(R"({"ssehub": {"subscribe": ["*"]}})")).admin);
    CHECK(!read_ok(json::parse(R"({"ssehub": {"admin": false}})")).admin);
    CHECK(!read_ok(json::parse(R"({"mercure": {"admin": true, "publish": ["*"]}})")).admin);
    CHECK(!read_ok(json::parse(R"({"admin": true})")).admin); // top level: not our claim
}

TEST_CASE("claims: an admin claim that is not a boolean refuses the token") {
    for (const char* payload :
         {R"({"ssehub": {"admin": "true"}})", R"({"ssehub": {"admin": 1}})",
          R"({"ssehub": {"admin": null}})", R"({"ssehub": {"admin": [true]}})"}) {
        INFO(payload);
        CHECK(read_bad(json::parse(payload)) == "claim ssehub.admin is not a boolean");
    }
}
