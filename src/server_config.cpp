// The configuration side of the Server: what each layer is told of the configuration (the
// application's settings, the hub's limits, the Redis options), the files it names (tokens,
// the Redis password, the certificate), and SIGHUP's all-or-nothing reload.
#include "server.hpp"

#include "base/log.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#ifdef SSEHUB_HAVE_TLS
#include "tls/server_context.hpp"
#endif

namespace ssehub {

namespace {

// One token a line; blank lines and lines starting with '#' are skipped.
std::vector<std::string> read_tokens(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read token file " + path);
    std::vector<std::string> tokens;
    std::string line;
    while (std::getline(in, line)) {
        size_t b = line.find_first_not_of(" \t\r");
        size_t e = line.find_last_not_of(" \t\r");
        if (b == std::string::npos || line[b] == '#') continue;
        tokens.push_back(line.substr(b, e - b + 1));
    }
    if (tokens.empty()) throw std::runtime_error("token file " + path + " holds no token");
    return tokens;
}

// The first line of the file, without its line break.
std::string read_password(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read Redis password file " + path);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) throw std::runtime_error("Redis password file " + path + " is empty");
    return line;
}

// "[KID=]FILE" each (the option's check split them the same way): a PEM public key is RS256 or
// ES256 by its type, any other file an HS256 secret. Throws with the file's name and the fault.
std::shared_ptr<const auth::KeySet> read_jwt_keys(const std::vector<std::string>& specs) {
    if (specs.empty()) return nullptr;
#ifndef SSEHUB_HAVE_TLS
    throw std::runtime_error("--jwt-key: built without OpenSSL, signed tokens are unavailable");
#endif
    auto keys = std::make_shared<auth::KeySet>();
    for (const std::string& spec : specs) {
        size_t eq = spec.find('=');
        bool has_kid = eq != std::string::npos && spec.find('/') > eq;
        std::string kid = has_kid ? spec.substr(0, eq) : std::string();
        std::string path = has_kid ? spec.substr(eq + 1) : spec;
        std::ifstream in(path, std::ios::binary);
        if (!in) throw std::runtime_error("cannot read --jwt-key file " + path);
        // The whole file: PEM allows any text before the block (RFC 7468 5.2), and a public key
        // taken for a secret would let anyone who has it sign HS256 tokens.
        std::string text(64 * 1024 + 1, '\0'); // KeySet refuses a longer file
        in.read(text.data(), static_cast<std::streamsize>(text.size()));
        text.resize(static_cast<size_t>(in.gcount()));
        if (text.find("-----BEGIN") != std::string::npos)
            keys->add_public_key_file(path, kid);
        else
            keys->add_secret_file(path, kid);
    }
    return keys;
}

// The origin list; throws with the entry's fault (the option's check refused it already).
app::OriginList read_origins(const std::vector<std::string>& entries) {
    app::OriginList list;
    for (const std::string& entry : entries)
        if (auto bad = list.add(entry)) throw std::runtime_error("--cors-origin: " + *bad);
    return list;
}

app::Settings app_settings(const config::Config& c, std::vector<std::string> publish_tokens,
                           std::shared_ptr<const auth::KeySet> jwt_keys,
                           app::OriginList cors_origins) {
    app::Settings s;
    s.max_subscribers = c.max_subscribers;
    s.max_header_bytes = c.max_header_bytes;
    s.max_event_bytes = c.max_event_bytes;
    s.max_queued_bytes = c.max_queued_bytes;
    s.request_timeout_s = c.request_timeout_s;
    for (const std::string& range : c.publish_allow)
        s.publish_allow.push_back(*base::Cidr::parse(range)); // checked when parsed
    s.publish_tokens = std::move(publish_tokens);
    s.jwt_keys = std::move(jwt_keys);
    s.jwt_leeway_s = c.jwt_leeway_s;
    s.jwt_cookie = c.jwt_cookie;
    s.private_topics.patterns = c.private_topics;
    // A named origin may send the browser's cookie (a token) along; "*" never may, nor "null"
    // (sandboxed frames and data: pages of any site send it), which cannot be listed.
    s.cors_origins = std::move(cors_origins);
    s.dashboard = c.dashboard == "on";
    s.config_file = c.config_file;
    return s;
}

} // namespace

#ifdef SSEHUB_HAVE_REDIS
redis::StreamOptions Server::redis_options(const config::Config& c) {
    return redis::StreamOptions::derive(c.redis_stream, c.history_events, c.max_event_bytes,
                                        c.max_queued_bytes);
}
#endif

sse::HubLimits Server::hub_limits(const config::Config& c,
                                  std::shared_ptr<const auth::KeySet> signing_keys) {
    return sse::HubLimits{c.history_events,
                          c.history_bytes,
                          c.max_queued_bytes,
                          c.retry_ms,
                          uint64_t{c.heartbeat_s} * 1000,
                          auth::TopicRights{c.private_topics},
                          std::move(signing_keys)};
}

sse::HistoryLogOptions Server::history_options(const config::Config& c) {
    sse::HistoryLogOptions o;
    o.dir = (c.state_dir.empty() ? std::string(".") : c.state_dir) + "/history";
    o.fsync = c.history_fsync == "always" ? sse::FsyncPolicy::Always
              : c.history_fsync == "no"   ? sse::FsyncPolicy::No
                                          : sse::FsyncPolicy::EverySec;
    // A few segments per ring: a segment goes once all of it has left the ring, so the disk
    // holds the ring and at most about a quarter more.
    o.segment_bytes = std::clamp<size_t>(c.history_bytes / 4, 64u << 10, 64u << 20);
    o.segment_events = std::max<size_t>(c.history_events / 4, 64);
    return o;
}

Server::Loaded Server::load(const config::Config& c) {
    Loaded loaded;
    if (!c.token_file.empty()) loaded.publish_tokens = read_tokens(c.token_file);
    if (!c.redis_password_file.empty())
        loaded.redis_password = read_password(c.redis_password_file);
    loaded.jwt_keys = read_jwt_keys(c.jwt_keys);
    loaded.cors_origins = read_origins(c.cors_origins);
    return loaded;
}

void Server::apply(const config::Config& c, Loaded loaded) {
    log::set_level(c.log_level);
    redis_password_ = loaded.redis_password;
    config_ = c;
    settings_ = app_settings(c, std::move(loaded.publish_tokens), std::move(loaded.jwt_keys),
                             std::move(loaded.cors_origins));
    if (hub_) hub_->set_limits(hub_limits(c, settings_.jwt_keys), uv_now(&loop_));
    if (!c.private_topics.empty() && !settings_.jwt_keys)
        log::warn("--private-topic without --jwt-key: no one can read the private topics");
#ifdef SSEHUB_HAVE_REDIS
    if (redis_) redis_->apply(redis_options(c), redis_password_);
#endif
}

void Server::reload() {
    notify("RELOADING=1");
    std::string error;
    std::optional<config::Config> next = config_;
    if (reloader_) next = reloader_(error);
    try {
        if (!next) throw std::runtime_error(error);
        if (next->listen != config_.listen || next->state_dir != config_.state_dir)
            log::warn("listen and state-dir changes take effect only after a restart");
        if (next->redis != config_.redis || next->redis_stream != config_.redis_stream)
            log::warn("redis and redis-stream changes take effect only after a restart");
        if (next->io_uring != config_.io_uring)
            log::warn("io-uring changes take effect only after a restart");
        if (next->history_persist != config_.history_persist ||
            next->history_fsync != config_.history_fsync)
            log::warn("history-persist and history-fsync changes take effect only after a "
                      "restart");
        next->listen = config_.listen;
        next->state_dir = config_.state_dir;
        next->redis = config_.redis;
        next->redis_stream = config_.redis_stream;
        next->io_uring = config_.io_uring;
        next->history_persist = config_.history_persist;
        next->history_fsync = config_.history_fsync;
        Loaded loaded = load(*next); // the token and password files
        reload_tls(*next);
        apply(*next, std::move(loaded));
        log::info("reloaded configuration");
    } catch (const std::exception& e) {
        log::error(std::string("reload failed, keeping the old configuration: ") + e.what());
    }
    notify("READY=1");
}

// TLS listeners are "tls:ADDR:PORT" (or, under socket activation, sockets systemd names "tls"
// with FileDescriptorName=). The certificate is loaded once here; a bad file stops the start.
void Server::start_tls() {
    bool wanted = !config_.tls_cert.empty();
    for (const std::string& spec : config_.listen)
        wanted |= spec.starts_with("tls:");
    if (!wanted) return;
#ifdef SSEHUB_HAVE_TLS
    tls_ = std::make_shared<tls::ServerContext>(config_.tls_cert, config_.tls_key);
#else
    throw std::runtime_error("TLS is unavailable: this ssehub was built without OpenSSL");
#endif
}

void Server::reload_tls(const config::Config& next) {
#ifdef SSEHUB_HAVE_TLS
    if (!tls_) return;
    std::string error;
    if (!tls_->reload(next.tls_cert, next.tls_key, error))
        throw std::runtime_error("TLS certificate not reloaded: " + error);
    log::info("reloaded TLS certificate " + next.tls_cert);
#else
    (void)next;
#endif
}

} // namespace ssehub
