// Signing tokens, for `ssehub token` only: the one place that reads a private key. It lives in
// the client, not in auth/, because the hub verifies and must never need a private key; the
// algorithm comes from the key exactly as auth::KeySet decides it for verification (an HS256
// secret, an RSA key for RS256, an EC P-256 key for ES256), so a token minted here verifies
// with the matching --jwt-key and nothing else.
#pragma once

#include "auth/key_set.hpp"

#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>

namespace ssehub::cli {

struct SigningKey {
    auth::Algorithm alg = auth::Algorithm::HS256;
    std::string secret;                    // HS256 only
    std::shared_ptr<EVP_PKEY> private_key; // RS256 and ES256 only
};

// The key in `bytes`, read from `source` (named in messages). Bytes starting "-----BEGIN" are
// a PEM private key; anything else an HS256 secret under auth::KeySet's rule (less one final
// line end, at least 32 bytes). Throws std::runtime_error with one line naming the source and
// what is wrong: a short secret, a public key, an encrypted key, an RSA key under 2048 bits,
// a curve other than P-256, another type of key.
SigningKey signing_key_from_bytes(std::string bytes, const std::string& source);
// The same from a file (at most 64 KiB); an unreadable file throws too.
SigningKey load_signing_key(const std::string& path);

// The JWS compact token: base64url(header) "." base64url(payload) "." base64url(signature),
// with the header {"alg": <the key's>, "typ": "JWT"} and "kid" when `kid` is not empty.
// `payload_json` is used as given. ES256 signatures are JOSE's raw R||S (64 bytes), not DER.
// Throws std::runtime_error if OpenSSL fails to sign.
std::string sign_token(const SigningKey& key, std::string_view kid, std::string_view payload_json);

} // namespace ssehub::cli
