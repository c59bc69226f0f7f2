// auth::verify (src/auth/token.hpp) against tokens PyJWT signed (data/jwt/make_tokens.py):
// what it accepts and the reason for each refusal, for every hostile shape issue 17 names.
#include "auth/token.hpp"

#include "auth/base64url.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

using namespace ssehub::auth;

namespace {

const std::string data_dir = SSEHUB_TEST_DATA_DIR "/jwt/";
constexpr int64_t now = 1800000000; // make_tokens.py's NOW

const std::string& token(const std::string& name) {
    static const std::map<std::string, std::string> tokens = [] {
        std::map<std::string, std::string> read;
        std::ifstream in(data_dir + "tokens.txt");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream fields(line);
            std::string n, t;
            fields >> n >> t;
            read[n] = t;
        }
        return read;
    }();
    auto it = tokens.find(name);
    REQUIRE_MESSAGE(it != tokens.end(), "no token " << name << " in tokens.txt");
    return it->second;
}

KeySet test_keys() {
    KeySet keys;
    keys.add_secret_file(data_dir + "hs256.secret", "hs-1");
    keys.add_public_key_file(data_dir + "rs256.pub.pem", "rs-1");
    keys.add_public_key_file(data_dir + "es256.pub.pem", "es-1");
    return keys;
}

Claims accepted(std::string_view t, int64_t at = now, int64_t leeway = 0) {
    auto v = verify(t, test_keys(), at, leeway);
    if (auto* r = std::get_if<Refused>(&v)) FAIL("refused: " << r->text);
    return std::get<Claims>(v);
}

Refused refused(std::string_view t, int64_t at = now, int64_t leeway = 0,
                const KeySet& keys = test_keys()) {
    auto v = verify(t, keys, at, leeway);
    REQUIRE_MESSAGE(std::holds_alternative<Refused>(v), "accepted: " << t.substr(0, 60));
    auto r = std::get<Refused>(v);
    CHECK(!r.text.empty());
    CHECK(r.text.find('\n') == std::string::npos);
    return r;
}

std::string part(const std::string& t, int n) {
    size_t b = 0;
    for (int i = 0; i < n; ++i)
        b = t.find('.', b) + 1;
    return t.substr(b, t.find('.', b) - b);
}

} // namespace

TEST_CASE("token: HS256, RS256 and ES256 tokens from PyJWT verify, with and without kid") {
    for (const char* name : {"hs256", "hs256_kid", "rs256", "rs256_kid", "es256", "es256_kid"}) {
        INFO(name);
        Claims c = accepted(token(name));
        CHECK(c.subscribe.patterns == std::vector<std::string>{"todo/*", "alerts"});
        CHECK(c.publish.patterns == std::vector<std::string>{"todo/alice"});
        CHECK(c.expires_at_s == now + 3600);
        CHECK(c.subscribe.allows("todo/bob"));
        CHECK(!c.publish.allows("todo/bob"));
    }
    CHECK(accepted(token("hs256_kid")).kid == "hs-1");
    CHECK(accepted(token("rs256")).alg == Algorithm::RS256);
    CHECK(accepted(token("es256")).kid == "es-1"); // no kid: the ES256 key that verified it
}

TEST_CASE("token: Mercure's claims are read, and both layouts together give their union") {
    Claims m = accepted(token("mercure"));
    CHECK(m.subscribe.allows("https://example.com/books/42"));
    CHECK(!m.subscribe.allows("https://example.com/books/42/reviews"));
    CHECK(m.publish.allows("https://example.com/books/1"));
    CHECK(!m.publish.allows("https://example.com/books/2"));
    CHECK(!m.expires_at_s);
    Claims both = accepted(token("both_layouts"));
    CHECK(both.subscribe.allows("a"));
    CHECK(both.subscribe.allows("b"));
    CHECK(both.publish.allows("any/topic"));
    Claims none = accepted(token("no_exp"));
    CHECK(none.publish.empty());
}

TEST_CASE("token: truncated, re-signed or with a changed payload, it is refused") {
    const std::string& good = token("hs256");
    for (size_t cut = 1; cut < good.size(); cut += 7) {
        auto r = refused(std::string_view(good).substr(0, good.size() - cut));
        CHECK((r.reason == Refusal::Malformed || r.reason == Refusal::BadSignature));
    }
    CHECK(refused(token("hs256_resigned")).reason == Refusal::BadSignature);
    CHECK(refused(token("es256_resigned")).reason == Refusal::BadSignature);
    // The payload of another token under this token's header and signature.
    std::string swapped =
        part(good, 0) + "." + part(token("both_layouts"), 1) + "." + part(good, 2);
    CHECK(refused(swapped).reason == Refusal::BadSignature);
    // One signature character changed, and a non-canonical spelling of the same signature.
    std::string flipped = good;
    flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
    refused(flipped);
    // ES256 in DER (what OpenSSL emits) instead of JOSE's R||S.
    CHECK(refused(token("es256_der")).reason == Refusal::BadSignature);
}

TEST_CASE("token: alg none, other algorithms and algorithm confusion are refused") {
    auto none = refused(token("alg_none"));
    CHECK(none.reason == Refusal::AlgorithmNotAllowed);
    CHECK(none.text.find("'none'") != std::string::npos);
    CHECK(refused(token("alg_None_signed")).reason == Refusal::AlgorithmNotAllowed);
    CHECK(refused(token("alg_rs512")).reason == Refusal::AlgorithmNotAllowed);
    CHECK(refused(token("alg_hs384")).reason == Refusal::AlgorithmNotAllowed);
    // HS256 keyed with the RSA public key's PEM bytes: no secret is those bytes...
    CHECK(refused(token("confusion")).reason == Refusal::BadSignature);
    // ... and the RSA key's kid cannot lend it to HMAC.
    CHECK(refused(token("confusion_kid")).reason == Refusal::AlgorithmNotAllowed);
    // With only public keys loaded, an HS256 token finds no key at all.
    KeySet only_rsa;
    only_rsa.add_public_key_file(data_dir + "rs256.pub.pem");
    CHECK(refused(token("confusion"), now, 0, only_rsa).reason == Refusal::AlgorithmNotAllowed);
    CHECK(std::holds_alternative<Claims>(verify(token("rs256"), only_rsa, now, 0)));
}

TEST_CASE("token: a kid naming no key is UnknownKey; a kid that is not a string Malformed") {
    auto r = refused(token("kid_unknown"));
    CHECK(r.reason == Refusal::UnknownKey);
    CHECK(r.text.find("'nope'") != std::string::npos);
    CHECK(refused(token("kid_number")).reason == Refusal::Malformed);
}

TEST_CASE("token: exp and nbf, with and without leeway") {
    const std::string& t = token("timed"); // nbf now-100, exp now+100
    CHECK(accepted(t).expires_at_s == now + 100);
    CHECK(accepted(t, now + 99).expires_at_s);
    CHECK(refused(t, now + 100).reason == Refusal::Expired); // exp is the first second refused
    CHECK(accepted(t, now + 129, 30).expires_at_s);
    CHECK(refused(t, now + 130, 30).reason == Refusal::Expired);
    CHECK(accepted(t, now - 100).expires_at_s);
    CHECK(refused(t, now - 101).reason == Refusal::NotYetValid);
    CHECK(accepted(t, now - 130, 30).expires_at_s);
    CHECK(refused(t, now - 131, 30).reason == Refusal::NotYetValid);
    // A fractional exp: valid until the moment, refused from the next whole second on.
    CHECK(accepted(token("exp_fraction")).expires_at_s == now);
    CHECK(refused(token("exp_fraction"), now + 1).reason == Refusal::Expired);
    CHECK(refused(token("exp_string")).reason == Refusal::Malformed);
}

TEST_CASE("token: size and nesting bounds, and JSON that is not an object") {
    std::string huge = std::string(max_token_bytes - 4, 'e') + ".e.e"; // 8192 bytes: decoded
    CHECK(refused(huge).text.find("longer") == std::string::npos);
    huge += "e"; // one byte past the bound: refused before any decoding
    auto r = refused(huge);
    CHECK(r.reason == Refusal::Malformed);
    CHECK(r.text.find("8192") != std::string::npos);
    CHECK(refused(token("nested_header")).reason == Refusal::Malformed);
    auto deep = refused(token("nested_payload"));
    CHECK(deep.reason == Refusal::Malformed);
    CHECK(deep.text.find("payload nests deeper") != std::string::npos);
    accepted(token("nested_64"));
    CHECK(refused(token("payload_array")).reason == Refusal::Malformed);
    CHECK(refused(token("payload_not_json")).reason == Refusal::Malformed);
    CHECK(refused(token("crit")).reason == Refusal::Malformed);
    CHECK(refused(token("claim_not_array")).reason == Refusal::Malformed);
    CHECK(refused(token("claim_not_string")).reason == Refusal::Malformed);
    for (const char* shape : {"", ".", "..", "a.b", "a.b.c.d", "e30.e30.", "!!.e30.AAAA"})
        CHECK(refused(shape).reason == Refusal::Malformed);
}

TEST_CASE("token: a refusal quotes the token only as a short printable excerpt") {
    std::string alg = "\\u0001" + std::string(200, 'x') + "\\n"; // JSON escapes
    std::string t = base64url_encode(R"({"alg":")" + alg + R"("})") + ".e30.AAAA";
    auto r = refused(t);
    CHECK(r.reason == Refusal::AlgorithmNotAllowed);
    CHECK(r.text.size() < 120);
    for (char c : r.text)
        CHECK((c >= 0x20 && c < 0x7f));
    CHECK(refusal_name(Refusal::BadSignature) == "bad_signature");
    CHECK(refusal_name(Refusal::AlgorithmNotAllowed) == "algorithm_not_allowed");
}
