// The keys a token may be signed with, several at once (each with an optional `kid`) so keys
// rotate without downtime. A key's own type fixes its one algorithm when it is loaded: a secret
// is HS256, an RSA public key RS256, an EC P-256 public key ES256. Verification takes the
// algorithm from the key, never from the token, so a public key can never serve as an HMAC
// secret (algorithm confusion) and nothing here has an "alg: none".
#pragma once

// Only the type's name: a build without OpenSSL still holds (empty) key sets.
struct evp_pkey_st;
using EVP_PKEY = evp_pkey_st;

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssehub::auth {

enum class Algorithm { HS256, RS256, ES256 };

std::string_view algorithm_name(Algorithm alg);
// Exactly "HS256", "RS256" or "ES256" (RFC 7518 names are case-sensitive); nullopt otherwise.
std::optional<Algorithm> algorithm_named(std::string_view name);

// The shortest HS256 secret accepted (RFC 7518 3.2: at least the hash's 256 bits).
inline constexpr size_t min_secret_bytes = 32;

struct Key {
    std::string kid; // empty: none; a token without a kid tries every key of its algorithm
    Algorithm alg = Algorithm::HS256;     // decided by what the key is, never by a token
    std::string secret;                   // HS256 only
    std::shared_ptr<EVP_PKEY> public_key; // RS256 and ES256 only
    std::string source;                   // the file it came from, for messages
    // SHA-256 of what the key is (the secret, or the public key's DER): the same key loaded
    // again has the same one, so a reload can tell which keys are gone (sse::ReadRights).
    std::string fingerprint;
};

// The one algorithm a key's type allows, for a public key here and a private one in
// `ssehub token`: RS256 for RSA of 2048 bits or more, ES256 for EC P-256. Anything else throws
// std::runtime_error naming `source`.
Algorithm algorithm_of_key(EVP_PKEY* key, const std::string& source);

class KeySet {
  public:
    // Each throws std::runtime_error with one line naming the file and what is wrong. A `kid`
    // given twice is refused.

    // HS256: the file's bytes less one final line end ("\n" or "\r\n"), at least 32 of them.
    void add_secret_file(const std::string& path, const std::string& kid = {});
    // RS256 (RSA, 2048 bits or more) or ES256 (EC P-256): a PEM "BEGIN PUBLIC KEY" file.
    void add_public_key_file(const std::string& path, const std::string& kid = {});

    // The same from memory; `source` names where the bytes came from in messages.
    void add_secret(std::string secret, const std::string& kid, const std::string& source);
    void add_public_key_pem(std::string_view pem, const std::string& kid,
                            const std::string& source);

    const std::vector<Key>& keys() const { return keys_; }
    bool empty() const { return keys_.empty(); }
    // The key with this kid, or null.
    const Key* find_kid(std::string_view kid) const;
    // Whether a key with this fingerprint is in the set.
    bool has_fingerprint(std::string_view fingerprint) const;

  private:
    void add(Key key);

    std::vector<Key> keys_;
};

} // namespace ssehub::auth
