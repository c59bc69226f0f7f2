// auth::KeySet (src/auth/key_set.hpp): each key file fixes its own algorithm, and every file
// that cannot be a key is refused at load with one line naming it.
#include "auth/key_set.hpp"

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

using ssehub::auth::Algorithm;
using ssehub::auth::KeySet;

namespace {

const std::string data_dir = SSEHUB_TEST_DATA_DIR "/jwt/";

// The message of the refusal to load `path` (as a secret or as a public key).
std::string load_error(const std::string& path, bool secret) {
    KeySet keys;
    try {
        if (secret)
            keys.add_secret_file(path);
        else
            keys.add_public_key_file(path);
    } catch (const std::runtime_error& e) {
        std::string message = e.what();
        CHECK(message.find(path) != std::string::npos);
        CHECK(message.find('\n') == std::string::npos);
        return message;
    }
    FAIL("loaded " << path);
    return {};
}

} // namespace

TEST_CASE("key set: the key's type decides its algorithm") {
    KeySet keys;
    keys.add_secret_file(data_dir + "hs256.secret", "hs");
    keys.add_public_key_file(data_dir + "rs256.pub.pem", "rs");
    keys.add_public_key_file(data_dir + "es256.pub.pem");
    REQUIRE(keys.keys().size() == 3);
    CHECK(keys.keys()[0].alg == Algorithm::HS256);
    CHECK(keys.keys()[0].secret == "test-only-secret-0123456789-abcdefghijklmnop"); // no "\n"
    CHECK(keys.keys()[0].public_key == nullptr);
    CHECK(keys.keys()[1].alg == Algorithm::RS256);
    CHECK(keys.keys()[1].secret.empty());
    CHECK(keys.keys()[2].alg == Algorithm::ES256);
    CHECK(keys.find_kid("rs") == &keys.keys()[1]);
    CHECK(keys.find_kid("") == nullptr); // a key without kid is never found by kid
    CHECK(keys.find_kid("nope") == nullptr);
    KeySet copy = keys; // a reload builds a new set; copies share the OpenSSL keys
    CHECK(copy.keys()[1].public_key == keys.keys()[1].public_key);
}

TEST_CASE("key set: a secret loses one final line end, and keeps everything else") {
    KeySet keys;
    std::string body(40, 's');
    keys.add_secret(body + "\r\n", "a", "mem");
    keys.add_secret(body + "\n\n", "b", "mem");
    keys.add_secret(" " + body, "c", "mem");
    CHECK(keys.keys()[0].secret == body);
    CHECK(keys.keys()[1].secret == body + "\n");
    CHECK(keys.keys()[2].secret == " " + body);
}

TEST_CASE("key set: files that are no usable key are refused, naming the file") {
    CHECK(load_error(data_dir + "short.secret", true).find("at least 32") != std::string::npos);
    // A public key given as a secret would turn it into an HMAC key.
    CHECK(load_error(data_dir + "rs256.pub.pem", true).find("PEM") != std::string::npos);
    CHECK(load_error(data_dir + "rs256.key.pem", false).find("private key") != std::string::npos);
    CHECK(load_error(data_dir + "hs256.secret", false).find("not a PEM public key") !=
          std::string::npos);
    CHECK(load_error(data_dir + "rsa1024.pub.pem", false).find("1024 bits") != std::string::npos);
    CHECK(load_error(data_dir + "es384.pub.pem", false).find("P-256") != std::string::npos);
    CHECK(load_error(data_dir + "ed25519.pub.pem", false).find("ED25519") != std::string::npos);
    CHECK(load_error(data_dir + "missing.pem", false).find("cannot be read") != std::string::npos);
}

TEST_CASE("key set: a PEM block after other text is never a secret") {
    // RFC 7468 allows text before the block, and OpenSSL reads such a file as the key: taken
    // for a secret, anyone holding the public key could sign HS256 tokens.
    KeySet keys;
    std::string pem = "# " + std::string(300, 'c') + "\n-----BEGIN PUBLIC KEY-----\nMFkw\n";
    CHECK_THROWS_WITH_AS(keys.add_secret(pem, "", "commented.pem"), doctest::Contains("PEM"),
                         std::runtime_error);
    CHECK(keys.empty());
}

TEST_CASE("key set: a kid may name one key only") {
    KeySet keys;
    keys.add_secret_file(data_dir + "hs256.secret", "k");
    CHECK_THROWS_WITH_AS(keys.add_public_key_file(data_dir + "es256.pub.pem", "k"),
                         doctest::Contains("kid 'k' is already given"), std::runtime_error);
    keys.add_public_key_file(data_dir + "es256.pub.pem"); // any number without kid
    keys.add_public_key_file(data_dir + "es256.pub.pem");
    CHECK(keys.keys().size() == 3);
}
