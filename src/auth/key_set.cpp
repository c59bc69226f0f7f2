#include "auth/key_set.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace ssehub::auth {
namespace {

// A key file is small; anything bigger is the wrong file.
constexpr std::streamsize max_key_file_bytes = 64 * 1024;

[[noreturn]] void refuse(const std::string& source, const std::string& why) {
    throw std::runtime_error("key file " + source + ": " + why);
}

std::string read_key_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) refuse(path, "cannot be read");
    std::string bytes;
    bytes.resize(static_cast<size_t>(max_key_file_bytes) + 1);
    in.read(bytes.data(), max_key_file_bytes + 1);
    if (in.bad()) refuse(path, "cannot be read");
    bytes.resize(static_cast<size_t>(in.gcount()));
    if (bytes.size() > static_cast<size_t>(max_key_file_bytes))
        refuse(path, "longer than 64 KiB: not a key");
    return bytes;
}

std::string sha256(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
        ERR_clear_error();
        throw std::runtime_error("SHA-256 failed (OpenSSL)");
    }
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string public_key_fingerprint(EVP_PKEY* key, const std::string& source) {
    unsigned char* der = nullptr;
    int length = i2d_PUBKEY(key, &der);
    if (length <= 0) {
        ERR_clear_error();
        refuse(source, "its public key cannot be encoded (OpenSSL)");
    }
    std::string out = sha256({reinterpret_cast<const char*>(der), static_cast<size_t>(length)});
    OPENSSL_free(der);
    return out;
}

} // namespace

std::string_view algorithm_name(Algorithm alg) {
    switch (alg) {
    case Algorithm::HS256:
        return "HS256";
    case Algorithm::RS256:
        return "RS256";
    case Algorithm::ES256:
        return "ES256";
    }
    return "?";
}

std::optional<Algorithm> algorithm_named(std::string_view name) {
    for (Algorithm a : {Algorithm::HS256, Algorithm::RS256, Algorithm::ES256})
        if (name == algorithm_name(a)) return a;
    return std::nullopt;
}

void KeySet::add_secret_file(const std::string& path, const std::string& kid) {
    add_secret(read_key_file(path), kid, path);
}

void KeySet::add_public_key_file(const std::string& path, const std::string& kid) {
    std::string pem = read_key_file(path);
    add_public_key_pem(pem, kid, path);
}

void KeySet::add_secret(std::string secret, const std::string& kid, const std::string& source) {
    if (secret.size() >= 2 && secret.compare(secret.size() - 2, 2, "\r\n") == 0)
        secret.resize(secret.size() - 2);
    else if (!secret.empty() && secret.back() == '\n')
        secret.pop_back();
    // A PEM file given as a secret would make a public key an HMAC key: the confusion that the
    // rest of this folder rules out. PEM allows text before the block (RFC 7468 5.2), so it is
    // looked for anywhere.
    if (secret.find("-----BEGIN") != std::string::npos)
        refuse(source, "is a PEM key, not an HS256 secret (a public key is given as one)");
    if (secret.size() < min_secret_bytes)
        refuse(source, "HS256 secret of " + std::to_string(secret.size()) +
                           " bytes; at least 32 are needed (openssl rand -base64 32)");
    std::string fingerprint = sha256("HS256\n" + secret);
    add(Key{kid, Algorithm::HS256, std::move(secret), nullptr, source, std::move(fingerprint)});
}

void KeySet::add_public_key_pem(std::string_view pem, const std::string& kid,
                                const std::string& source) {
    if (pem.find("PRIVATE KEY-----") != std::string_view::npos)
        refuse(source, "holds a private key; give its public key (openssl pkey -in KEY -pubout)");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* raw = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr;
    ERR_clear_error(); // leave OpenSSL's error queue as clean as TLS code expects it
    if (!raw) refuse(source, "not a PEM public key (-----BEGIN PUBLIC KEY-----)");
    std::shared_ptr<EVP_PKEY> pkey(raw, EVP_PKEY_free);
    Algorithm alg = algorithm_of_key(raw, source);
    add(Key{kid, alg, {}, std::move(pkey), source, public_key_fingerprint(raw, source)});
}

Algorithm algorithm_of_key(EVP_PKEY* key, const std::string& source) {
    if (EVP_PKEY_is_a(key, "RSA")) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits < 2048)
            refuse(source,
                   "RSA key of " + std::to_string(bits) + " bits; RS256 needs at least 2048");
        return Algorithm::RS256;
    }
    if (EVP_PKEY_is_a(key, "EC")) {
        char group[64] = {};
        size_t length = 0;
        if (EVP_PKEY_get_group_name(key, group, sizeof group, &length) != 1) group[0] = '\0';
        ERR_clear_error();
        std::string_view name(group);
        if (name != "prime256v1" && name != "P-256")
            refuse(source, "EC key on curve " + std::string(name.empty() ? "?" : name) +
                               ", which is not supported; ES256 needs P-256 (prime256v1)");
        return Algorithm::ES256;
    }
    const char* type = EVP_PKEY_get0_type_name(key);
    refuse(source, std::string("a ") + (type ? type : "?") +
                       " key, which is not supported; RS256 needs an RSA key, ES256 an EC "
                       "P-256 key");
}

const Key* KeySet::find_kid(std::string_view kid) const {
    for (const Key& k : keys_)
        if (!k.kid.empty() && k.kid == kid) return &k;
    return nullptr;
}

bool KeySet::has_fingerprint(std::string_view fingerprint) const {
    return std::any_of(keys_.begin(), keys_.end(),
                       [&](const Key& k) { return k.fingerprint == fingerprint; });
}

void KeySet::add(Key key) {
    if (!key.kid.empty() && find_kid(key.kid))
        refuse(key.source,
               "kid '" + key.kid + "' is already given to " + find_kid(key.kid)->source);
    keys_.push_back(std::move(key));
}

} // namespace ssehub::auth
