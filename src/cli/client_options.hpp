// What the command line asked of publish, subscribe, stats, token or tls init: plain values, filled
// in by client_commands.cpp (CLI11) and read by the command that runs. No parsing happens here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssehub::cli {

enum class ClientCommand { None, Publish, Subscribe, Stats, Token, TlsInit };

inline constexpr uint64_t max_token_ttl_s = 315360000; // ten years
// `stats --watch` samples no faster: /metrics is cheap, but not free for a busy hub.
inline constexpr double min_watch_interval_s = 0.1;

// `ssehub token`: what the minted token says and the key that signs it.
struct TokenRequest {
    std::string key_file; // a PEM private key (RS256, ES256) or an HS256 secret
    std::string kid;      // empty: no "kid" in the header
    std::vector<std::string> subscribe;
    std::vector<std::string> publish;
    uint64_t ttl_s = 3600; // 0: no "exp"
    bool mercure = false;  // the claims go under "mercure" instead of "ssehub"
    bool admin = false;    // "ssehub": {"admin": true}: may open the dashboard
};

// `ssehub tls init`: where the CA and the server certificate go, and what the latter is for.
inline constexpr uint32_t default_server_certificate_days = 397; // browsers' limit, 398
inline constexpr uint32_t max_server_certificate_days = 825;     // Apple's limit
inline constexpr uint32_t certificate_authority_days = 3650;

struct TlsInitRequest {
    std::string dir = ".";          // as serve's --state-dir
    std::vector<std::string> hosts; // certificate_host() forms, no repeats; empty: the defaults
    uint32_t days = default_server_certificate_days;
    bool new_ca = false; // make a new CA even when DIR has one
};

struct ClientOptions {
    ClientCommand command = ClientCommand::None;
    // Common to every client command.
    std::string url = "http://127.0.0.1:8080";
    std::string token; // --token or SSEHUB_TOKEN; sent as "Authorization: Bearer <token>"
    // --token-file: read when the command runs (an unreadable file is exit 1, not a usage
    // error), then it takes the place of `token`.
    std::optional<std::string> token_file;

    // publish
    std::optional<std::string> event;
    std::optional<std::string> topic;
    std::optional<std::string> data;
    std::optional<std::string> data_file;
    bool data_from_stdin = false; // the "-" argument

    // subscribe
    std::vector<std::string> topics;
    std::optional<std::string> last_event_id;
    uint64_t max_events = 0; // 0: no limit
    // Seconds to connect and get the answer's head; the stream may then stay idle forever.
    unsigned timeout_s = 10;

    // subscribe and stats
    bool json = false;

    // stats
    double interval_s = 1.0;
    bool watch = false; // a new sample every interval_s until interrupted

    // token
    TokenRequest mint;

    // tls init
    TlsInitRequest tls_init;
};

// `ssehub subscribe`'s exit status when the token ran out: the hub ended the stream with
// ssehub.expired, or refused a (re)connection because the token has expired. A script tells it
// from other failures, fetches a new token and resumes with --last-event-id.
inline constexpr int exit_token_expired = 3;

// Runs the chosen command; returns the exit status (0 ok, 1 runtime failure, 2 usage error,
// exit_token_expired).
int run_client_command(const ClientOptions& given);

} // namespace ssehub::cli
