#include "config/serve_options.hpp"

#include "app/origin_list.hpp"
#include "auth/topic_pattern.hpp"
#include "base/cidr.hpp"
#include "config/size_value.hpp"
#include "config/tls_options.hpp"
#include "redis/redis_url.hpp"

#include <CLI/CLI.hpp>
#include <cctype>
#include <optional>
#include <utility>

namespace ssehub::config {

namespace {

std::string size_text(uint64_t bytes) {
    for (auto [shift, suffix] : {std::pair{30, "G"}, {20, "M"}, {10, "K"}})
        if (bytes >= (1ull << shift) && bytes % (1ull << shift) == 0)
            return std::to_string(bytes >> shift) + suffix;
    return std::to_string(bytes);
}

// A SIZE from min to max bytes. The upper bounds keep sums of limits far from overflowing.
CLI::Validator size_within(uint64_t min, uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            std::optional<size_t> bytes = parse_size(text);
            if (bytes && *bytes >= min && *bytes <= max) return "";
            return "'" + text + "' is not a size from " + size_text(min) + " to " + size_text(max) +
                   " (bytes, or K/M/G)";
        },
        "SIZE");
}

// A whole number from min to max. CLI11 alone would read "-3" into an unsigned count (strtoull
// wraps it) and "010" as octal; the text is rewritten to plain decimal before it converts.
CLI::Validator whole_number(uint64_t min, uint64_t max) {
    return CLI::Validator(
        [min, max](std::string& text) -> std::string {
            std::optional<uint64_t> n = parse_whole_number(text);
            if (!n || *n < min || *n > max)
                return "'" + text + "' is not a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max);
            text = std::to_string(*n);
            return "";
        },
        "N");
}

const CLI::Validator cidr_check(
    [](std::string& text) -> std::string {
        return base::Cidr::parse(text) ? std::string()
                                       : "'" + text + "' is not an address or CIDR range";
    },
    "CIDR");

const CLI::Validator listen_check(
    [](std::string& text) -> std::string {
        if (text.starts_with("unix:")) return text.size() > 5 ? "" : "unix: needs a path";
        size_t colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
            return "'" + text + "' is not ADDR:PORT, [IPv6]:PORT or unix:/path";
        std::optional<uint64_t> port = parse_whole_number(std::string_view(text).substr(colon + 1));
        if (!port || *port > 65535) return "'" + text + "': the port is not 0 to 65535";
        return "";
    },
    "ADDR:PORT");

const CLI::Validator redis_url_check(
    [](std::string& text) -> std::string {
        if (text.empty()) return ""; // no Redis: a lone hub (the config file's way to say so)
#ifndef SSEHUB_HAVE_REDIS
        return "built without Redis support (rebuild with libhiredis-dev installed)";
#else
        auto parsed = redis::RedisUrl::parse(text);
        if (auto* why = std::get_if<std::string>(&parsed))
            return "'" + text + "' is not a Redis URL: " + *why;
        return "";
#endif
    },
    "URL");

// "[KID=]FILE". A '=' before the first '/' separates a kid; the file itself is read by the
// server (a bad key stops the start, and a reload, with its own message).
const CLI::Validator jwt_key_check(
    [](std::string& text) -> std::string {
        if (text.empty()) return ""; // `jwt-key = ""` in a file: none
        size_t eq = text.find('=');
        bool has_kid = eq != std::string::npos && text.find('/') > eq;
        if (has_kid && eq == 0) return "'" + text + "': the kid before '=' is empty";
        if (text.size() == (has_kid ? eq + 1 : 0)) return "'" + text + "' names no file";
        return "";
    },
    "KEYFILE");

// RFC 6265 cookie-name: an RFC 9110 token.
const CLI::Validator cookie_name_check(
    [](std::string& text) -> std::string {
        constexpr std::string_view extra = "!#$%&'*+-.^_`|~";
        bool ok = !text.empty() && text.size() <= 128;
        for (char ch : text)
            ok &= std::isalnum(static_cast<unsigned char>(ch)) ||
                  extra.find(ch) != std::string_view::npos;
        return ok ? "" : "'" + text + "' is not a cookie name (letters, digits, !#$%&'*+-.^_`|~)";
    },
    "NAME");

const CLI::Validator private_topic_check(
    [](std::string& text) -> std::string {
        if (text.empty()) return ""; // `private-topic = ""` in a file: none
        if (text.size() > 1024) return "a private topic pattern is longer than 1024 bytes";
        for (char ch : text)
            if (static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f)
                return "a private topic pattern holds a control character";
        if (!auth::understood(text))
            return "'" + text +
                   "' is not a topic pattern (a name, '*' for one path segment, "
                   "{name}, or '*' alone)";
        return "";
    },
    "PATTERN");

const CLI::Validator origin_check(
    [](std::string& text) -> std::string {
        if (text.empty()) return ""; // `cors-origin = ""` in a file: none
        return app::OriginList::check(text).value_or("");
    },
    "ORIGIN");

std::optional<log::Level> level_named(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (text == "error") return log::Level::Error;
    if (text == "warn") return log::Level::Warn;
    if (text == "info") return log::Level::Info;
    if (text == "debug") return log::Level::Debug;
    return std::nullopt;
}

// A check across options that no single validator can make.
std::string check_redis_options(const Config& c) {
    if (c.redis.empty()) return "";
    auto parsed = redis::RedisUrl::parse(c.redis);
    auto* url = std::get_if<redis::RedisUrl>(&parsed);
    if (url && !url->user.empty() && c.redis_password_file.empty())
        return "--redis: user '" + url->user + "' needs --redis-password-file";
    return "";
}

void apply_sizes(const ServeOptionText& s, Config& c) {
    c.history_bytes = *parse_size(s.history_bytes);
    c.max_header_bytes = *parse_size(s.max_header_bytes);
    c.max_event_bytes = *parse_size(s.max_event_bytes);
    c.max_queued_bytes = *parse_size(s.max_queued_bytes);
    c.log_level = *level_named(s.log_level);
}

} // namespace

void declare_serve_options(CLI::App& serve, Config& c, ServeOptionText& text) {
    serve
        .add_option(
            "--listen", c.listen,
            "Where to accept connections: ADDR:PORT, [IPv6]:PORT or unix:/path (repeatable)")
        ->check(listen_check)
        ->capture_default_str();
    serve
        .add_option("--state-dir", c.state_dir,
                    "Directory for the event id high-water mark and the history log")
        ->capture_default_str();
    serve.add_option("--heartbeat", c.heartbeat_s, "Idle seconds before a heartbeat comment")
        ->transform(whole_number(1, 86400))
        ->capture_default_str();
    serve.add_option("--retry-ms", c.retry_ms, "retry: value sent at stream start (ms)")
        ->transform(whole_number(0, 86400000))
        ->capture_default_str();
    serve.add_option("--history-events", c.history_events, "Events retained for replay")
        ->transform(whole_number(0, 10000000))
        ->capture_default_str();
    serve.add_option("--history-bytes", text.history_bytes, "Bytes retained for replay (SIZE)")
        ->check(size_within(0, 64ull << 30))
        ->capture_default_str();
    serve.add_option("--max-subscribers", c.max_subscribers, "Concurrent subscribers")
        ->transform(whole_number(1, 10000000))
        ->capture_default_str();
    serve.add_option("--max-header-bytes", text.max_header_bytes, "Request line + headers (SIZE)")
        ->check(size_within(64, 16u << 20))
        ->capture_default_str();
    serve.add_option("--max-event-bytes", text.max_event_bytes, "Request body / event data (SIZE)")
        ->check(size_within(1, 1u << 30))
        ->capture_default_str();
    serve
        .add_option("--request-timeout", c.request_timeout_s, "Seconds to receive a whole request")
        ->transform(whole_number(1, 3600))
        ->capture_default_str();
    serve
        .add_option("--max-queued-bytes", text.max_queued_bytes,
                    "Output queued per subscriber before it is dropped (SIZE)")
        ->check(size_within(1u << 10, 64ull << 30))
        ->capture_default_str();
    serve
        .add_option("--publish-allow", c.publish_allow,
                    "Peers that may publish without a token (CIDR, repeatable)")
        ->check(cidr_check)
        ->capture_default_str();
    serve.add_option("--token-file", c.token_file, "Bearer tokens for publishing, one a line");
    serve
        .add_option("--jwt-key", c.jwt_keys,
                    "[KID=]FILE: a key signed tokens are checked with, a PEM public key (RS256, "
                    "ES256) or a secret (HS256) (repeatable)")
        ->check(jwt_key_check);
    serve.add_option("--jwt-leeway", c.jwt_leeway_s, "Seconds of clock skew allowed for exp, nbf")
        ->transform(whole_number(0, 3600))
        ->capture_default_str();
    serve.add_option("--jwt-cookie", c.jwt_cookie, "Cookie a browser's token comes in")
        ->check(cookie_name_check)
        ->capture_default_str();
    serve
        .add_option("--private-topic", c.private_topics,
                    "Topics that need a token to read: a name or pattern like todo/* (repeatable)")
        ->check(private_topic_check);
    serve
        .add_option("--cors-origin", c.cors_origins,
                    "Page origins that may read answers (and publish, unless *): *, an origin, "
                    "or a pattern like http://intranet:* or https://*.example.com (repeatable)")
        ->check(origin_check)
        ->capture_default_str();
    serve.add_option("--shutdown-grace", c.shutdown_grace_s, "Seconds to flush output on SIGTERM")
        ->transform(whole_number(0, 3600))
        ->capture_default_str();
    serve.add_option("--handover-socket", c.handover_socket,
                     "Unix socket (mode 0600) where a successor started with --take-over takes "
                     "the listeners and plain subscribers without disconnecting them");
    serve.add_option("--take-over", c.take_over,
                     "Start from the hub listening on this --handover-socket: adopt its "
                     "listeners and subscribers; it then exits");
    serve
        .add_option("--restart-retry-window", c.restart_retry_window_s,
                    "Seconds over which streams that cannot be handed over are told (retry:) "
                    "to come back")
        ->transform(whole_number(1, 3600))
        ->capture_default_str();
    serve.add_option("--log-level", text.log_level, "error, warn, info or debug")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return level_named(text) ? "" : "'" + text + "' is not error, warn, info or debug";
            },
            "LEVEL"))
        ->capture_default_str();
    serve
        .add_option("--dashboard", c.dashboard,
                    "on: a live page at /ssehub/dashboard for admins (allow-list, tokens)")
        ->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
    serve
        .add_option("--io-uring", c.io_uring,
                    "auto: hand each fan-out's writes to the kernel together; off: one send() each")
        ->check(CLI::IsMember({"auto", "off"}))
        ->capture_default_str();
    serve
        .add_option("--history-persist", c.history_persist,
                    "on: keep the replay history in <state-dir>/history so it survives a restart")
        ->check(CLI::IsMember({"on", "off"}))
        ->capture_default_str();
    serve
        .add_option("--history-fsync", c.history_fsync,
                    "When the history log is made durable: always (before the publish is "
                    "answered), everysec or no (left to the kernel)")
        ->check(CLI::IsMember({"always", "everysec", "no"}))
        ->capture_default_str();
    serve
        .add_option("--redis", c.redis,
                    "Scale out on Redis Streams: redis://[user@]host:port/db or unix:/path")
        ->check(redis_url_check);
    serve.add_option("--redis-password-file", c.redis_password_file,
                     "File whose first line is the Redis password");
    serve.add_option("--redis-stream", c.redis_stream, "Redis stream the nodes share")
        ->check(CLI::Validator(
            [](std::string& s) { return s.empty() ? std::string("is empty") : std::string(); },
            "NAME"))
        ->capture_default_str();
    declare_tls_options(serve, c);
}

std::string finish_serve_options(const ServeOptionText& text, Config& c) {
    apply_sizes(text, c);
    // "" stands for none in a file, the way `token-file = ""` does.
    std::erase(c.jwt_keys, std::string());
    std::erase(c.private_topics, std::string());
    std::erase(c.cors_origins, std::string());
    std::string bad = check_tls_options(c);
    if (bad.empty()) bad = check_redis_options(c);
    return bad;
}

} // namespace ssehub::config
