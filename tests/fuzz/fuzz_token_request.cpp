// The token path as a request reaches it (src/app/token_access.hpp): an Authorization header,
// a Cookie header and a query string, each from the input. Whatever the bytes, read_access()
// never crashes, reads the cookie only for a subscription (setting aside one that does not
// verify), never counts a plain --token-file token as a signed one, and a refusal is one line
// that quotes no presented token.
//
// Input: one flags byte, then the header value, cookie value and query, '\n' between them.
// The test keys and "now" are those of tests/unit/data/jwt/tokens.txt, so seeds holding its
// tokens reach the accepting path too.
#include "app/form_decoding.hpp"
#include "app/token_access.hpp"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using namespace ssehub;

namespace {

constexpr int64_t tokens_now_ms = int64_t{1800000000} * 1000;
constexpr std::string_view plain_token = "plain-publish-token";

const app::Settings& settings() {
    static const app::Settings s = [] {
        const std::string dir = SSEHUB_TEST_DATA_DIR "/jwt/";
        auto keys = std::make_shared<auth::KeySet>();
        keys->add_secret_file(dir + "hs256.secret", "hs-1");
        keys->add_public_key_file(dir + "rs256.pub.pem", "rs-1");
        keys->add_public_key_file(dir + "es256.pub.pem", "es-1");
        app::Settings out;
        out.jwt_keys = std::move(keys);
        out.publish_tokens = {std::string(plain_token)};
        return out;
    }();
    return s;
}

std::string_view next_part(std::string_view& rest) {
    size_t nl = rest.find('\n');
    std::string_view part = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    return part;
}

void require(bool ok) {
    if (!ok) std::abort();
}

// Whether `text` quotes the signature part of any value the request presents: a refusal may
// name a kid, never repeat a token (it goes to the client and the log).
bool quotes_a_token(std::string_view text, const std::vector<std::string_view>& parts) {
    for (std::string_view p : parts) {
        size_t dot = p.rfind('.');
        if (dot == std::string_view::npos) continue;
        std::string_view signature = p.substr(dot + 1);
        if (signature.size() >= 16 && text.find(signature) != std::string_view::npos) return true;
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size == 0) return 0;
    uint8_t flags = bytes[0];
    std::string_view rest(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    std::string_view authorization = next_part(rest);
    std::string_view cookie = next_part(rest);
    std::string_view query = rest;

    app::Request req;
    req.method = "GET";
    req.target = "/events?" + std::string(query);
    if (flags & 1) req.headers.emplace_back("authorization", authorization);
    if (flags & 2) req.headers.emplace_back("cookie", cookie);
    auto params = app::parse_params(query);
    if (!params) return 0; // the router answers 400 before any token is read

    const app::Settings& s = settings();
    int64_t now = (flags & 4) ? tokens_now_ms : tokens_now_ms + int64_t{400000} * 1000;
    auto subscribe = app::read_access(req, *params, s, app::TokenPlaces::HeaderQueryAndCookie, now);
    auto publish = app::read_access(req, *params, s, app::TokenPlaces::HeaderAndQuery, now);

    std::vector<std::string_view> parts{authorization, cookie};
    for (const auto& [k, v] : *params)
        parts.push_back(v);
    for (const auto* result : {&subscribe, &publish}) {
        if (const auto* refused = std::get_if<app::AccessRefused>(result)) {
            require(!refused->text.empty() && refused->text.size() <= 512);
            require(refused->text.find_first_of("\r\n") == std::string::npos);
            require(!quotes_a_token(refused->text, parts));
            continue;
        }
        const auto& access = std::get<app::Access>(*result);
        require(access.tokens <= app::max_tokens_per_request);
        // A cookie that does not verify is set aside, with a one-line reason of its own.
        if (access.cookie_refused) {
            require((flags & 2) && result == &subscribe);
            require(access.cookie_refused->text.find_first_of("\r\n") == std::string::npos);
            require(!quotes_a_token(access.cookie_refused->text, parts));
        }
        if (access.tokens == 0)
            require(access.subscribe.empty() && access.publish.empty() && !access.expires_at_ms);
    }
    // The cookie adds a token to a subscription at most; it never authorizes a publish.
    const auto* sub = std::get_if<app::Access>(&subscribe);
    const auto* pub = std::get_if<app::Access>(&publish);
    if (sub && pub) require(sub->tokens == pub->tokens || sub->tokens == pub->tokens + 1);
    if (!(flags & 2) && sub && !pub) std::abort(); // no cookie: both read the same tokens
    if (!(flags & 2) && sub && pub) require(sub->tokens == pub->tokens);
    // A plain publishing token in the header is not a signed token.
    bool query_tokens = false;
    for (const auto& [k, v] : *params)
        query_tokens |= k == "access_token";
    if ((flags & 1) && authorization == "Bearer " + std::string(plain_token) && !query_tokens)
        require(pub && pub->tokens == 0);
    return 0;
}
