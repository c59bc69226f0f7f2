#include "auth/token.hpp"

#include "auth/base64url.hpp"
#include "auth/claims.hpp"
#include "auth/signature.hpp"
#include "base/bounded_json.hpp"

#include <cmath>
#include <vector>

namespace ssehub::auth {
namespace {

Refused refuse(Refusal reason, std::string text) {
    return Refused{reason, std::move(text)};
}

// A value from the token shown in a refusal: printable ASCII only, and short.
std::string shown(std::string_view value) {
    std::string out = "'";
    for (char c : value.substr(0, 40))
        out += (c >= 0x20 && c < 0x7f && c != '\'') ? c : '?';
    return out + (value.size() > 40 ? "...'" : "'");
}

// One base64url part as a JSON object, or the reason it is not one.
std::variant<nlohmann::json, std::string> json_object_part(std::string_view part,
                                                           const char* what) {
    auto text = base64url_decode(part);
    if (!text) return std::string(what) + " is not base64url";
    base::BoundedJson parsed = base::parse_bounded_json(*text);
    if (parsed.too_deep)
        return std::string(what) + " nests deeper than " + std::to_string(base::max_json_depth);
    if (!parsed.doc.is_object()) return std::string(what) + " is not a JSON object";
    return std::move(parsed.doc);
}

bool signature_valid(const Key& key, std::string_view signed_part, std::string_view sig) {
    switch (key.alg) {
    case Algorithm::HS256:
        return hs256_valid(key.secret, signed_part, sig);
    case Algorithm::RS256:
        return rs256_valid(key.public_key.get(), signed_part, sig);
    case Algorithm::ES256:
        return es256_valid(key.public_key.get(), signed_part, sig);
    }
    return false;
}

int64_t whole_seconds(double t) {
    constexpr double hi = 4e18; // within int64_t, so the cast is defined for any exp
    return static_cast<int64_t>(std::floor(std::fmax(-hi, std::fmin(hi, t))));
}

} // namespace

std::string_view refusal_name(Refusal reason) {
    switch (reason) {
    case Refusal::Malformed:
        return "malformed";
    case Refusal::BadSignature:
        return "bad_signature";
    case Refusal::UnknownKey:
        return "unknown_key";
    case Refusal::Expired:
        return "expired";
    case Refusal::NotYetValid:
        return "not_yet_valid";
    case Refusal::AlgorithmNotAllowed:
        return "algorithm_not_allowed";
    }
    return "?";
}

Verified verify(std::string_view token, const KeySet& keys, int64_t now_s, int64_t leeway_s) {
    if (token.size() > max_token_bytes)
        return refuse(Refusal::Malformed,
                      "token longer than " + std::to_string(max_token_bytes) + " bytes");
    size_t dot1 = token.find('.');
    size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
    if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
        return refuse(Refusal::Malformed, "not a signed JWT (three base64url parts and two dots)");

    auto header_or = json_object_part(token.substr(0, dot1), "header");
    if (auto* bad = std::get_if<std::string>(&header_or))
        return refuse(Refusal::Malformed, std::move(*bad));
    const auto& header = std::get<nlohmann::json>(header_or);
    auto alg_field = header.find("alg");
    if (alg_field == header.end() || !alg_field->is_string())
        return refuse(Refusal::Malformed, "header has no alg string");
    const auto& alg_name = alg_field->get_ref<const std::string&>();
    auto alg = algorithm_named(alg_name);
    if (!alg)
        return refuse(Refusal::AlgorithmNotAllowed,
                      "alg " + shown(alg_name) + " is not accepted (HS256, RS256, ES256 are)");
    if (header.contains("crit"))
        return refuse(Refusal::Malformed, "header has crit: no extension is understood");
    auto kid_field = header.find("kid");
    if (kid_field != header.end() && !kid_field->is_string())
        return refuse(Refusal::Malformed, "header kid is not a string");

    std::string_view sig_part = token.substr(dot2 + 1);
    auto sig = base64url_decode(sig_part);
    if (sig_part.empty() || !sig) return refuse(Refusal::Malformed, "signature is not base64url");

    // The candidates: the kid's key, or every key of the token's algorithm.
    std::vector<const Key*> candidates;
    if (kid_field != header.end()) {
        const auto& kid = kid_field->get_ref<const std::string&>();
        const Key* key = keys.find_kid(kid);
        if (!key) return refuse(Refusal::UnknownKey, "kid " + shown(kid) + " names no key");
        if (key->alg != *alg)
            return refuse(Refusal::AlgorithmNotAllowed,
                          "kid " + shown(kid) + " is an " + std::string(algorithm_name(key->alg)) +
                              " key, the token says " + std::string(algorithm_name(*alg)));
        candidates.push_back(key);
    } else {
        for (const Key& key : keys.keys())
            if (key.alg == *alg) candidates.push_back(&key);
        if (candidates.empty())
            return refuse(Refusal::AlgorithmNotAllowed,
                          "no " + std::string(algorithm_name(*alg)) + " key is configured");
    }
    std::string_view signed_part = token.substr(0, dot2);
    const Key* signer = nullptr;
    for (const Key* key : candidates)
        if (signature_valid(*key, signed_part, *sig)) {
            signer = key;
            break;
        }
    if (!signer) return refuse(Refusal::BadSignature, "signature does not verify");

    // Authentic from here on.
    auto payload_or = json_object_part(token.substr(dot1 + 1, dot2 - dot1 - 1), "payload");
    if (auto* bad = std::get_if<std::string>(&payload_or))
        return refuse(Refusal::Malformed, std::move(*bad));
    auto claims_or = read_claims(std::get<nlohmann::json>(payload_or));
    if (auto* bad = std::get_if<std::string>(&claims_or))
        return refuse(Refusal::Malformed, std::move(*bad));
    auto& read = std::get<PayloadClaims>(claims_or);
    auto now = static_cast<double>(now_s);
    auto leeway = static_cast<double>(leeway_s);
    if (read.exp && now >= *read.exp + leeway)
        return refuse(Refusal::Expired,
                      "token expired at " + std::to_string(whole_seconds(*read.exp)));
    if (read.nbf && now + leeway < *read.nbf)
        return refuse(Refusal::NotYetValid,
                      "token not valid before " + std::to_string(whole_seconds(*read.nbf)));

    Claims claims;
    claims.subscribe = std::move(read.subscribe);
    claims.publish = std::move(read.publish);
    claims.admin = read.admin;
    if (read.exp) claims.expires_at_s = whole_seconds(*read.exp);
    claims.alg = signer->alg;
    claims.kid = signer->kid;
    claims.key_fingerprint = signer->fingerprint;
    return claims;
}

} // namespace ssehub::auth
