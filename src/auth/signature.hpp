// The three JWS signature checks, one function per algorithm, each taking only the kind of key
// its algorithm uses: an HMAC check cannot be handed a public key. Every check is constant-time
// where the secret is involved and leaves OpenSSL's error queue empty (the TLS code reads it).
#pragma once

#include <openssl/types.h>

#include <string_view>

namespace ssehub::auth {

// HS256: HMAC-SHA-256 over `signed_part`, compared with CRYPTO_memcmp.
bool hs256_valid(std::string_view secret, std::string_view signed_part, std::string_view signature);
// RS256: RSASSA-PKCS1-v1_5 with SHA-256. `key` is an RSA public key.
bool rs256_valid(EVP_PKEY* key, std::string_view signed_part, std::string_view signature);
// ES256: ECDSA P-256 with SHA-256; `signature` is JOSE's raw R||S (64 bytes), not DER.
bool es256_valid(EVP_PKEY* key, std::string_view signed_part, std::string_view signature);

} // namespace ssehub::auth
