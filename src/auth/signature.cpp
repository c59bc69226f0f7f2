#include "auth/signature.hpp"

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <memory>
#include <string>

namespace ssehub::auth {
namespace {

const auto* bytes(std::string_view s) {
    return reinterpret_cast<const unsigned char*>(s.data());
}

bool digest_verify(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
              EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(signed_part),
                               signed_part.size()) == 1;
    ERR_clear_error();
    return ok;
}

// JOSE's R||S (RFC 7518 3.4) as the DER ECDSA-Sig-Value OpenSSL verifies; empty on failure.
std::string es256_der(std::string_view raw) {
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
    BIGNUM* r = BN_bin2bn(bytes(raw), 32, nullptr);
    BIGNUM* s = BN_bin2bn(bytes(raw) + 32, 32, nullptr);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
        BN_free(r); // ECDSA_SIG_set0 took neither
        BN_free(s);
        return {};
    }
    int length = i2d_ECDSA_SIG(sig.get(), nullptr);
    if (length <= 0) return {};
    std::string der(static_cast<size_t>(length), '\0');
    auto* out = reinterpret_cast<unsigned char*>(der.data());
    if (i2d_ECDSA_SIG(sig.get(), &out) != length) return {};
    return der;
}

} // namespace

bool hs256_valid(std::string_view secret, std::string_view signed_part,
                 std::string_view signature) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    bool made = HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
                     bytes(signed_part), signed_part.size(), mac, &length) != nullptr;
    ERR_clear_error();
    return made && length == 32 && signature.size() == 32 &&
           CRYPTO_memcmp(mac, signature.data(), 32) == 0;
}

bool rs256_valid(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
    return EVP_PKEY_is_a(key, "RSA") && digest_verify(key, signed_part, signature);
}

bool es256_valid(EVP_PKEY* key, std::string_view signed_part, std::string_view signature) {
    if (!EVP_PKEY_is_a(key, "EC") || signature.size() != 64) return false;
    std::string der = es256_der(signature);
    ERR_clear_error();
    return !der.empty() && digest_verify(key, signed_part, der);
}

} // namespace ssehub::auth
