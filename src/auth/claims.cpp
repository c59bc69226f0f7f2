#include "auth/claims.hpp"

namespace ssehub::auth {
namespace {

// Appends the strings of claim `name` of `layout` (e.g. mercure.subscribe) to `rights`;
// returns the reason when it is there but not an array of strings.
std::optional<std::string> append_patterns(const nlohmann::json& layout, const char* owner,
                                           const char* name, TopicRights& rights) {
    auto it = layout.find(name);
    if (it == layout.end()) return std::nullopt;
    std::string claim = std::string(owner) + "." + name;
    if (!it->is_array()) return "claim " + claim + " is not an array of topic patterns";
    for (const auto& pattern : *it) {
        if (!pattern.is_string()) return "claim " + claim + " holds a value that is not a string";
        rights.patterns.push_back(pattern.get<std::string>());
    }
    return std::nullopt;
}

std::optional<std::string> read_time(const nlohmann::json& payload, const char* name,
                                     std::optional<double>& out) {
    auto it = payload.find(name);
    if (it == payload.end()) return std::nullopt;
    if (!it->is_number()) return std::string("claim ") + name + " is not a number (NumericDate)";
    out = it->get<double>();
    return std::nullopt;
}

} // namespace

std::variant<PayloadClaims, std::string> read_claims(const nlohmann::json& payload) {
    PayloadClaims claims;
    for (const char* owner : {"ssehub", "mercure"}) {
        auto layout = payload.find(owner);
        if (layout == payload.end()) continue;
        if (!layout->is_object()) return std::string("claim ") + owner + " is not an object";
        for (auto [name, rights] :
             {std::pair{"subscribe", &claims.subscribe}, std::pair{"publish", &claims.publish}})
            if (auto bad = append_patterns(*layout, owner, name, *rights)) return *bad;
    }
    // Only our own layout grants the dashboard; Mercure's has no such claim.
    if (auto layout = payload.find("ssehub"); layout != payload.end()) {
        if (auto admin = layout->find("admin"); admin != layout->end()) {
            if (!admin->is_boolean()) return std::string("claim ssehub.admin is not a boolean");
            claims.admin = admin->get<bool>();
        }
    }
    if (auto bad = read_time(payload, "exp", claims.exp)) return *bad;
    if (auto bad = read_time(payload, "nbf", claims.nbf)) return *bad;
    return claims;
}

} // namespace ssehub::auth
