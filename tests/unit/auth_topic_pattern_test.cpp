// auth::matches (src/auth/topic_pattern.hpp) and base64url (src/auth/base64url.hpp): the
// patterns a token's claims use, and the strict decoding every token part goes through.
#include "auth/base64url.hpp"
#include "auth/topic_pattern.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include <string>
#include <vector>

using ssehub::auth::base64url_decode;
using ssehub::auth::base64url_encode;
using ssehub::auth::matches;
using ssehub::auth::TopicRights;

TEST_CASE("topic pattern: exact names, `*` within one segment, `*` alone for all") {
    CHECK(matches("news", "news"));
    CHECK(!matches("news", "news2"));
    CHECK(!matches("news", "new"));
    CHECK(matches("todo/*", "todo/alice"));
    CHECK(matches("todo/*", "todo/"));
    CHECK(!matches("todo/*", "todo"));
    CHECK(!matches("todo/*", "todo/alice/list"));
    CHECK(!matches("todo/*", "other/alice"));
    CHECK(matches("*/alerts", "admin/alerts"));
    CHECK(!matches("*/alerts", "a/b/alerts"));
    CHECK(matches("user-*-feed", "user-42-feed"));
    CHECK(matches("a*b*c", "aXbYbZc"));
    CHECK(!matches("a*b*c", "aXbYbZ"));
    CHECK(matches("*", "a/b/c"));
    CHECK(!matches("**", "a/b")); // only `*` alone crosses '/'
    CHECK(matches("**", "ab"));
    CHECK(!matches("", "a"));
}

TEST_CASE("topic pattern: Mercure's `{name}` templates, and forms that match nothing") {
    CHECK(matches("https://example.com/books/{id}", "https://example.com/books/1"));
    CHECK(!matches("https://example.com/books/{id}", "https://example.com/books/1/x"));
    CHECK(matches("/users/{user_id}/{item.id}", "/users/7/x"));
    CHECK(!matches("/books/{+path}", "/books/a/b"));
    CHECK(!matches("/books/{+path}", "/books/a"));
    CHECK(!matches("/books/{id", "/books/{id"));
    CHECK(!matches("/books/{}", "/books/{}"));
    CHECK(!matches("/books/{a,b}", "/books/x"));
}

TEST_CASE("topic pattern: long inputs stay linear (no exponential backtracking)") {
    std::string pattern;
    for (int i = 0; i < 100; ++i)
        pattern += "a*";
    pattern += "b";
    CHECK(!matches(pattern, std::string(256, 'a')));
}

TEST_CASE("topic rights: any pattern allows") {
    TopicRights r{{"a", "b/*"}};
    CHECK(r.allows("a"));
    CHECK(r.allows("b/c"));
    CHECK(!r.allows("c"));
    CHECK(!TopicRights{}.allows("a"));
}

TEST_CASE("base64url: round trip, and one spelling only") {
    std::vector<std::string> samples{"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    samples.emplace_back("\0\xff", 2);
    for (const std::string& s : samples)
        CHECK(base64url_decode(base64url_encode(s)) == s);
    CHECK(base64url_encode("\xfb\xff") == "-_8");
    CHECK(base64url_decode("e30") == "{}");
    CHECK(!base64url_decode("e31"));  // unused bits set: a second spelling of "{}"
    CHECK(!base64url_decode("e30=")); // padding
    CHECK(!base64url_decode("e3 0"));
    CHECK(!base64url_decode("e+/0"));  // base64, not base64url
    CHECK(!base64url_decode("abcde")); // 5 characters cannot end on a byte
}
