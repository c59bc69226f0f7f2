// `ssehub token`'s signing (src/cli/token_signing.hpp): a token signed with each kind of key
// verifies with auth::verify and the matching public key or secret, and with nothing else; the
// claims come through; every wrong key file is refused with one line naming it.
#include "cli/commands.hpp"
#include "cli/token_signing.hpp"

#include "auth/base64url.hpp"
#include "auth/token.hpp"

#include <doctest/doctest.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>

using namespace ssehub;

namespace {

const std::string data_dir = SSEHUB_TEST_DATA_DIR "/jwt/";
constexpr int64_t now = 1800000000;

std::string file_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE_MESSAGE(in, "cannot read " << path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// The verifier's keys: the public halves of the test keys, and the HS256 secret.
auth::KeySet verifying_keys() {
    auth::KeySet keys;
    keys.add_secret_file(data_dir + "hs256.secret", "hs-1");
    keys.add_public_key_file(data_dir + "rs256.pub.pem", "rs-1");
    keys.add_public_key_file(data_dir + "es256.pub.pem", "es-1");
    return keys;
}

auth::Claims verified(const std::string& token, const auth::KeySet& keys = verifying_keys()) {
    auto v = auth::verify(token, keys, now, 0);
    if (auto* r = std::get_if<auth::Refused>(&v)) FAIL("refused: " << r->text);
    return std::get<auth::Claims>(v);
}

nlohmann::json part(const std::string& token, int index) {
    size_t start = 0;
    for (int i = 0; i < index; ++i)
        start = token.find('.', start) + 1;
    auto decoded = auth::base64url_decode(token.substr(start, token.find('.', start) - start));
    REQUIRE(decoded);
    return nlohmann::json::parse(*decoded);
}

std::string signature_bytes(const std::string& token) {
    auto decoded = auth::base64url_decode(token.substr(token.rfind('.') + 1));
    REQUIRE(decoded);
    return *decoded;
}

cli::TokenRequest rights(std::vector<std::string> subscribe, std::vector<std::string> publish) {
    cli::TokenRequest r;
    r.subscribe = std::move(subscribe);
    r.publish = std::move(publish);
    return r;
}

// A fresh private key of a type the test data has no private key for, as PEM.
std::string generated_private_pem(const char* type, const char* param) {
    EVP_PKEY* raw = param ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, param)
                          : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
    REQUIRE(raw);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
            1);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(length));
}

std::string refusal_of(std::string bytes) {
    try {
        cli::signing_key_from_bytes(std::move(bytes), "test.key");
    } catch (const std::runtime_error& e) {
        std::string text = e.what();
        CHECK(text.find("test.key") != std::string::npos);
        CHECK(text.find('\n') == std::string::npos);
        return text;
    }
    FAIL("the key was accepted");
    return {};
}

} // namespace

TEST_CASE("each algorithm signs a token auth::verify accepts, with the key's algorithm") {
    struct Case {
        const char* file;
        auth::Algorithm alg;
        const char* kid;
    };
    for (Case c : {Case{"hs256.secret", auth::Algorithm::HS256, "hs-1"},
                   Case{"rs256.key.pem", auth::Algorithm::RS256, "rs-1"},
                   Case{"es256.key.pem", auth::Algorithm::ES256, "es-1"}}) {
        CAPTURE(c.file);
        cli::SigningKey key = cli::load_signing_key(data_dir + c.file);
        CHECK(key.alg == c.alg);
        cli::TokenRequest request = rights({"todo/*"}, {"todo/alice"});
        std::string token = cli::sign_token(key, c.kid, cli::token_payload(request, now - 10));
        nlohmann::json header = part(token, 0);
        CHECK(header == nlohmann::json{{"alg", std::string(auth::algorithm_name(c.alg))},
                                       {"typ", "JWT"},
                                       {"kid", c.kid}});
        auth::Claims claims = verified(token);
        CHECK(claims.alg == c.alg);
        CHECK(claims.kid == c.kid);
        CHECK(claims.subscribe.allows("todo/bob"));
        CHECK(!claims.subscribe.allows("news"));
        CHECK(claims.publish.allows("todo/alice"));
        CHECK(!claims.publish.allows("todo/bob"));
        CHECK(claims.expires_at_s == now - 10 + 3600);
        // Without a kid the verifier tries every key of the algorithm.
        CHECK(verified(cli::sign_token(key, "", cli::token_payload(request, now))).alg == c.alg);
        if (c.alg == auth::Algorithm::ES256) {
            // JOSE's raw R||S, never DER (which starts 0x30 and is 70 to 72 bytes).
            CHECK(signature_bytes(token).size() == 64);
        }
    }
}

TEST_CASE("ES256 signatures are 64 bytes whatever the size of R and S") {
    // About one signature in 128 has an R or S under 32 bytes; DER then is shorter, and a
    // conversion that forgot to pad would make a token that fails now and then.
    cli::SigningKey key = cli::load_signing_key(data_dir + "es256.key.pem");
    for (int i = 0; i < 300; ++i) {
        std::string topic = "n"; // appended apart: GCC 12 -O3 warns on "n" + std::string
        topic += std::to_string(i);
        std::string token = cli::sign_token(key, "", cli::token_payload(rights({topic}, {}), now));
        REQUIRE(signature_bytes(token).size() == 64);
        verified(token);
    }
}

TEST_CASE("a token verifies with its own key only") {
    cli::SigningKey other = cli::load_signing_key(data_dir + "es256_other.key.pem");
    std::string token = cli::sign_token(other, "", cli::token_payload(rights({"*"}, {}), now));
    auto v = auth::verify(token, verifying_keys(), now, 0);
    REQUIRE(std::holds_alternative<auth::Refused>(v));
    CHECK(std::get<auth::Refused>(v).reason == auth::Refusal::BadSignature);

    cli::SigningKey secret = cli::signing_key_from_bytes(std::string(40, 'x') + "\n", "mem");
    token = cli::sign_token(secret, "", cli::token_payload(rights({"*"}, {}), now));
    CHECK(std::get<auth::Refused>(auth::verify(token, verifying_keys(), now, 0)).reason ==
          auth::Refusal::BadSignature);
    auth::KeySet same;
    same.add_secret(std::string(40, 'x'), "", "mem"); // the line end is not part of it
    verified(token, same);
}

TEST_CASE("the payload: ssehub or mercure layout, exp from the lifetime, 0 for none") {
    cli::TokenRequest request = rights({"a", "b/*"}, {});
    nlohmann::json p = nlohmann::json::parse(cli::token_payload(request, 1000));
    CHECK(p == nlohmann::json::parse(
                   R"({"ssehub":{"subscribe":["a","b/*"],"publish":[]},"exp":4600,"iat":1000})"));
    request.mercure = true;
    request.ttl_s = 0;
    p = nlohmann::json::parse(cli::token_payload(request, 1000));
    CHECK(p == nlohmann::json::parse(
                   R"({"mercure":{"subscribe":["a","b/*"],"publish":[]},"iat":1000})"));
    cli::SigningKey key = cli::load_signing_key(data_dir + "rs256.key.pem");
    auth::Claims claims = verified(cli::sign_token(key, "", cli::token_payload(request, now)));
    CHECK(!claims.expires_at_s);
    CHECK(claims.subscribe.allows("b/c"));
    CHECK(claims.publish.empty());
    CHECK(!claims.admin);
}

TEST_CASE("--admin adds the hub's admin claim, beside Mercure's claim too") {
    cli::TokenRequest request = rights({"a"}, {});
    request.admin = true;
    nlohmann::json p = nlohmann::json::parse(cli::token_payload(request, 1000));
    CHECK(p["ssehub"] == nlohmann::json::parse(R"({"subscribe":["a"],"publish":[],"admin":true})"));
    request.mercure = true;
    p = nlohmann::json::parse(cli::token_payload(request, 1000));
    CHECK(p["ssehub"] == nlohmann::json::parse(R"({"admin":true})"));
    CHECK(p["mercure"]["subscribe"] == nlohmann::json::parse(R"(["a"])"));
    cli::SigningKey key = cli::load_signing_key(data_dir + "es256.key.pem");
    auth::Claims claims = verified(cli::sign_token(key, "", cli::token_payload(request, now)));
    CHECK(claims.admin);
    CHECK(claims.subscribe.allows("a"));
}

TEST_CASE("an expired token is refused by the verifier as expired") {
    cli::SigningKey key = cli::load_signing_key(data_dir + "hs256.secret");
    cli::TokenRequest request = rights({"*"}, {});
    request.ttl_s = 1;
    std::string token = cli::sign_token(key, "", cli::token_payload(request, now - 5));
    auto v = auth::verify(token, verifying_keys(), now, 0);
    REQUIRE(std::holds_alternative<auth::Refused>(v));
    CHECK(std::get<auth::Refused>(v).reason == auth::Refusal::Expired);
}

TEST_CASE("wrong key files are refused with the reason") {
    CHECK(refusal_of(std::string(31, 'k') + "\n").find("at least 32") != std::string::npos);
    CHECK(refusal_of("").find("at least 32") != std::string::npos);
    CHECK(refusal_of(file_text(data_dir + "rs256.pub.pem")).find("public key") !=
          std::string::npos);
    CHECK(refusal_of(file_text(data_dir + "es256.pub.pem")).find("public key") !=
          std::string::npos);
    CHECK(refusal_of(generated_private_pem("EC", "P-384")).find("curve secp384r1") !=
          std::string::npos);
    CHECK(refusal_of(generated_private_pem("ED25519", nullptr)).find("ED25519") !=
          std::string::npos);
    CHECK(refusal_of("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED "
                     "PRIVATE KEY-----\n")
              .find("encrypted") != std::string::npos);
    CHECK(refusal_of("-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n")
              .find("not a PEM private key") != std::string::npos);
    CHECK(refusal_of("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
              .find("not a PEM private key") != std::string::npos);
    CHECK_THROWS_WITH_AS(cli::load_signing_key(data_dir + "no-such-file"),
                         doctest::Contains("cannot be read"), std::runtime_error);
    CHECK_THROWS_WITH_AS(cli::load_signing_key(data_dir + "short.secret"),
                         doctest::Contains("at least 32"), std::runtime_error);
}

TEST_CASE("an RSA key under 2048 bits is refused, as the hub refuses its public key") {
    // RSA keygen takes a size_t parameter, so EVP_PKEY_Q_keygen's variadic form needs it typed.
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024});
    REQUIRE(raw);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(raw, EVP_PKEY_free);
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    REQUIRE(PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) ==
            1);
    char* data = nullptr;
    long length = BIO_get_mem_data(bio.get(), &data);
    CHECK(refusal_of(std::string(data, static_cast<size_t>(length))).find("1024 bits") !=
          std::string::npos);
}
