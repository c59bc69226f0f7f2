#include "cli/token_refusal.hpp"

#include <strings.h>

namespace ssehub::cli {

namespace {

void skip_spaces(std::string_view& s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
}

} // namespace

std::optional<BearerChallenge> parse_bearer_challenge(std::string_view value) {
    skip_spaces(value);
    // The scheme is case-insensitive (RFC 9110 11.1). One challenge is all the hub sends.
    if (value.size() < 6 || strncasecmp(value.data(), "bearer", 6) != 0) return std::nullopt;
    value.remove_prefix(6);
    if (!value.empty() && value.front() != ' ' && value.front() != '\t') return std::nullopt;
    BearerChallenge challenge;
    while (true) {
        skip_spaces(value);
        while (!value.empty() && value.front() == ',') {
            value.remove_prefix(1);
            skip_spaces(value);
        }
        size_t eq = value.find('=');
        if (value.empty() || eq == std::string_view::npos) break;
        std::string_view name = value.substr(0, eq);
        while (!name.empty() && (name.back() == ' ' || name.back() == '\t'))
            name.remove_suffix(1);
        value.remove_prefix(eq + 1);
        skip_spaces(value);
        std::string param;
        if (!value.empty() && value.front() == '"') {
            value.remove_prefix(1);
            while (!value.empty() && value.front() != '"') {
                if (value.front() == '\\' && value.size() > 1) value.remove_prefix(1);
                param += value.front();
                value.remove_prefix(1);
            }
            if (!value.empty()) value.remove_prefix(1); // the closing quote
        } else {
            size_t end = value.find_first_of(", \t");
            param = std::string(value.substr(0, end));
            value.remove_prefix(end == std::string_view::npos ? value.size() : end);
        }
        if (name == "error") challenge.error = param;
        if (name == "error_description") challenge.description = param;
    }
    return challenge;
}

std::string describe_token_refusal(int status, const std::string* www_authenticate,
                                   std::string_view body_line, bool token_sent) {
    if ((status != 401 && status != 403) || !www_authenticate) return {};
    auto challenge = parse_bearer_challenge(*www_authenticate);
    if (!challenge) return {};
    std::string reason(body_line.empty() ? std::string_view(challenge->description) : body_line);
    std::string out = std::to_string(status) + " ";
    if (challenge->error == "invalid_token") {
        out += "the token was refused (invalid_token)";
        // The hub's body and description say the same; a proxy's body may not, and the
        // description is the token's own verdict.
        if (!challenge->description.empty()) reason = challenge->description;
    } else if (challenge->error == "insufficient_scope") {
        out += "the token does not allow this (insufficient_scope)";
    } else if (challenge->error.empty() && !token_sent) {
        out += "a token is needed (--token, --token-file or $SSEHUB_TOKEN)";
    } else if (challenge->error.empty()) {
        out += "the token was not accepted";
    } else {
        out += "the token was refused (" + challenge->error + ")";
    }
    if (!reason.empty()) out += ": " + reason;
    return out;
}

bool refused_as_expired(const std::string* www_authenticate) {
    if (!www_authenticate) return false;
    auto challenge = parse_bearer_challenge(*www_authenticate);
    return challenge && challenge->error == "invalid_token" &&
           challenge->description.starts_with("token expired");
}

} // namespace ssehub::cli
