// How the client reads a hub's Bearer challenge (src/cli/token_refusal.hpp): the line a refused
// subscription prints, and which refusal means the token expired (exit status 3).
#include "cli/token_refusal.hpp"

#include <doctest/doctest.h>

using namespace ssehub::cli;

TEST_CASE("a Bearer challenge's error and description, in any order and spelling") {
    auto c = parse_bearer_challenge(
        R"(Bearer error="invalid_token", error_description="token expired at 12")");
    REQUIRE(c);
    CHECK(c->error == "invalid_token");
    CHECK(c->description == "token expired at 12");
    c = parse_bearer_challenge(R"(bearer error_description="a \"quoted\" word",error=x)");
    REQUIRE(c);
    CHECK(c->error == "x");
    CHECK(c->description == "a \"quoted\" word");
    c = parse_bearer_challenge("Bearer");
    REQUIRE(c);
    CHECK(c->error.empty());
    CHECK(parse_bearer_challenge(R"(Basic realm="hub")") == std::nullopt);
    CHECK(parse_bearer_challenge("Bearerx error=y") == std::nullopt);
    c = parse_bearer_challenge(R"(Bearer error="unterminated)");
    REQUIRE(c);
    CHECK(c->error == "unterminated");
}

TEST_CASE("the line a refusal prints") {
    std::string none = "Bearer";
    std::string invalid = R"(Bearer error="invalid_token", error_description="bad signature")";
    std::string scope = R"(Bearer error="insufficient_scope")";
    CHECK(describe_token_refusal(401, &none, "topic a is private", false) ==
          "401 a token is needed (--token, --token-file or $SSEHUB_TOKEN): topic a is private");
    CHECK(describe_token_refusal(401, &none, "", true) == "401 the token was not accepted");
    CHECK(describe_token_refusal(401, &invalid, "from a proxy", true) ==
          "401 the token was refused (invalid_token): bad signature");
    CHECK(describe_token_refusal(403, &scope, "may not read a", true) ==
          "403 the token does not allow this (insufficient_scope): may not read a");
    // Not about a token: the caller's usual line.
    CHECK(describe_token_refusal(403, nullptr, "this address may not publish", true).empty());
    CHECK(describe_token_refusal(400, &invalid, "x", true).empty());
}

TEST_CASE("only the verifier's expiry counts as an expired token") {
    std::string expired = R"(Bearer error="invalid_token", error_description="token expired at 5")";
    std::string other = R"(Bearer error="invalid_token", error_description="bad signature")";
    std::string scope = R"(Bearer error="insufficient_scope", error_description="token expired")";
    CHECK(refused_as_expired(&expired));
    CHECK(!refused_as_expired(&other));
    CHECK(!refused_as_expired(&scope));
    CHECK(!refused_as_expired(nullptr));
}
