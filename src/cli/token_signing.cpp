#include "cli/token_signing.hpp"

#include "auth/base64url.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace ssehub::cli {
namespace {

// A key file is small; anything bigger is the wrong file (auth::KeySet's bound).
constexpr std::streamsize max_key_file_bytes = 64 * 1024;

[[noreturn]] void refuse(const std::string& source, const std::string& why) {
    ERR_clear_error();
    throw std::runtime_error("key file " + source + ": " + why);
}

const auto* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

// Never ask for a passphrase: a test token must not stop on a terminal prompt (the default
// callback would), and an encrypted key is refused with a way out instead.
int no_passphrase(char*, int, int, void*) {
    return -1;
}

SigningKey private_key_from_pem(std::string_view pem, const std::string& source) {
    if (pem.find("-----BEGIN PUBLIC KEY-----") != std::string_view::npos ||
        pem.find("-----BEGIN RSA PUBLIC KEY-----") != std::string_view::npos)
        refuse(source, "holds a public key; a token is signed with the private key (the hub "
                       "gets the public one)");
    if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") != std::string_view::npos ||
        pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos)
        refuse(source, "is encrypted; write it unencrypted first (openssl pkey -in KEY -out "
                       "PLAIN)");
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
    EVP_PKEY* raw =
        bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr) : nullptr;
    ERR_clear_error();
    if (!raw) refuse(source, "not a PEM private key (-----BEGIN PRIVATE KEY-----)");
    SigningKey key;
    key.private_key.reset(raw, EVP_PKEY_free);
    key.alg = auth::algorithm_of_key(raw, source); // the hub's own rule for the public half
    return key;
}

std::string hs256(std::string_view secret, std::string_view signing_input) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    bool made = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                     bytes(signing_input), signing_input.size(), mac, &length) != nullptr;
    ERR_clear_error();
    if (!made || length != 32) throw std::runtime_error("HMAC-SHA-256 failed");
    return std::string(reinterpret_cast<const char*>(mac), length);
}

// RSASSA-PKCS1-v1_5 (RSA's default padding) or ECDSA, over SHA-256; ECDSA's comes out DER.
std::string digest_sign(EVP_PKEY* key, std::string_view signing_input) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    size_t length = 0;
    bool ok = ctx && EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestSign(ctx.get(), nullptr, &length, bytes(signing_input),
                             signing_input.size()) == 1;
    std::string signature(ok ? length : 0, '\0');
    ok = ok && EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
                              &length, bytes(signing_input), signing_input.size()) == 1;
    ERR_clear_error();
    if (!ok) throw std::runtime_error("signing failed (OpenSSL)");
    signature.resize(length);
    return signature;
}

// OpenSSL's DER ECDSA-Sig-Value as JOSE's R||S (RFC 7518 3.4): each number left-padded to the
// 32 bytes of P-256, so the signature is always 64 bytes long.
std::string jose_es256(std::string_view der) {
    const unsigned char* in = bytes(der);
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &in, static_cast<long>(der.size())), ECDSA_SIG_free);
    std::string raw(64, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    bool ok = sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) == 32 &&
              BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) == 32;
    ERR_clear_error();
    if (!ok) throw std::runtime_error("ES256 signature conversion failed (OpenSSL)");
    return raw;
}

} // namespace

SigningKey signing_key_from_bytes(std::string bytes, const std::string& source) {
    // Anywhere: PEM allows text before the block, and such a file is never a secret.
    if (bytes.find("-----BEGIN") != std::string::npos) return private_key_from_pem(bytes, source);
    // auth::KeySet applies the hub's own rule (line end, length, no PEM): a secret this accepts
    // is one `serve --jwt-key` accepts, and the message is the same.
    auth::KeySet check;
    check.add_secret(std::move(bytes), {}, source);
    SigningKey key;
    key.alg = auth::Algorithm::HS256;
    key.secret = check.keys().front().secret;
    return key;
}

SigningKey load_signing_key(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) refuse(path, "cannot be read");
    std::string content(static_cast<size_t>(max_key_file_bytes) + 1, '\0');
    in.read(content.data(), max_key_file_bytes + 1);
    if (in.bad()) refuse(path, "cannot be read");
    content.resize(static_cast<size_t>(in.gcount()));
    if (content.size() > static_cast<size_t>(max_key_file_bytes))
        refuse(path, "longer than 64 KiB: not a key");
    return signing_key_from_bytes(std::move(content), path);
}

std::string sign_token(const SigningKey& key, std::string_view kid, std::string_view payload_json) {
    nlohmann::ordered_json header = {{"alg", std::string(auth::algorithm_name(key.alg))},
                                     {"typ", "JWT"}};
    if (!kid.empty()) header["kid"] = std::string(kid);
    std::string signing_input =
        auth::base64url_encode(header.dump()) + "." + auth::base64url_encode(payload_json);
    std::string signature;
    switch (key.alg) {
    case auth::Algorithm::HS256:
        signature = hs256(key.secret, signing_input);
        break;
    case auth::Algorithm::RS256:
        signature = digest_sign(key.private_key.get(), signing_input);
        break;
    case auth::Algorithm::ES256:
        signature = jose_es256(digest_sign(key.private_key.get(), signing_input));
        break;
    }
    return signing_input + "." + auth::base64url_encode(signature);
}

} // namespace ssehub::cli
