// Reads the rights and times of a verified token's payload (the layouts token.hpp documents).
// Only called once the signature checked out; still strict, since a signer can be buggy.
#pragma once

#include "auth/topic_pattern.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <variant>

namespace ssehub::auth {

struct PayloadClaims {
    TopicRights subscribe;
    TopicRights publish;
    bool admin = false; // ssehub.admin: may read the dashboard
    std::optional<double> exp;
    std::optional<double> nbf;
};

// The claims, or the one-line reason the payload is refused (a claim of the wrong type).
std::variant<PayloadClaims, std::string> read_claims(const nlohmann::json& payload);

} // namespace ssehub::auth
