#include "server.hpp"

#include "http/connection.hpp"
#include "log.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <sys/resource.h>

#ifdef SSEHUB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif
#ifdef SSEHUB_HAVE_TLS
#include "tls/server_context.hpp"
#endif

namespace ssehub {

namespace {

constexpr uint64_t tick_ms = 250;

uint64_t wall_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

void notify(const char* state) {
#ifdef SSEHUB_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

sse::HubLimits hub_limits(const config::Config& c) {
    return sse::HubLimits{c.history_events, c.history_bytes, c.max_queued_bytes, c.retry_ms,
                          uint64_t{c.heartbeat_s} * 1000};
}

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

} // namespace

Server::Server(const config::Config& config, Reloader reloader) : reloader_(std::move(reloader)) {
    // Both may throw (token file, certificate): before the loop exists, so nothing leaks, and
    // --check-config finds a bad certificate too.
    apply(config, load(config));
    start_tls();
    uv_loop_init(&loop_);
    ctx_.loop = &loop_;
    ctx_.flush_list = &flush_list_;
    ctx_.metrics = &metrics_;
    ctx_.on_connection_closed = [this] { maybe_finish_shutdown(); };
    metrics_.start_ms = uv_now(&loop_);
}

Server::~Server() {
    // Every handle is closed by the time run() returns; this reaps what a failed start left.
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
}

Server::Loaded Server::load(const config::Config& c) {
    Loaded loaded;
    for (const std::string& range : c.publish_allow)
        loaded.publish.allow.push_back(*config::Cidr::parse(range));
    if (!c.token_file.empty()) loaded.publish.tokens = read_tokens(c.token_file);
    if (!c.redis_password_file.empty())
        loaded.redis_password = read_password(c.redis_password_file);
    return loaded;
}

void Server::apply(const config::Config& c, Loaded loaded) {
    log::set_level(c.log_level);
    redis_password_ = loaded.redis_password;
    ctx_.publish = std::move(loaded.publish);
    ctx_.config = c;
    ctx_.read_limits = http::ReadLimits{c.max_header_bytes, c.max_event_bytes};
    ctx_.cors_headers = "Access-Control-Allow-Origin: " + c.cors_origin + "\r\n";
    if (c.cors_origin != "*") ctx_.cors_headers += "Vary: Origin\r\n";
    if (hub_) hub_->set_limits(hub_limits(c));
#ifdef SSEHUB_HAVE_REDIS
    if (redis_) redis_->apply(c, redis_password_);
#endif
}

// Subscribers are descriptors: take all the kernel allows, and keep a margin for listeners,
// the state file and the like so accept() never meets EMFILE before our own limit does.
void Server::raise_fd_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
        getrlimit(RLIMIT_NOFILE, &lim);
    }
    constexpr rlim_t reserve = 64;
    ctx_.max_connections = lim.rlim_cur > 2 * reserve ? lim.rlim_cur - reserve : lim.rlim_cur / 2;
    if (ctx_.config.max_subscribers > ctx_.max_connections)
        log::warn("max-subscribers " + std::to_string(ctx_.config.max_subscribers) +
                  " is above what the descriptor limit allows (" +
                  std::to_string(ctx_.max_connections) + " connections)");
}

// --io-uring is read once, at start: a reload does not change it. The ring is made before
// the listeners (every descriptor the hub keeps exists once it says it listens); the line that
// says which way fan-out goes is returned, to be logged once listening worked (a start that
// fails says one line only).
std::string Server::start_send_batch() {
    if (ctx_.config.io_uring == "off") return "fan-out: one send() per delivery (--io-uring off)";
    std::string why = send_batch_.start(static_cast<unsigned>(
        std::min<size_t>(ctx_.max_connections, std::numeric_limits<int>::max())));
    if (!why.empty()) return "fan-out: one send() per delivery (" + why + ")";
    ctx_.send_batch = &send_batch_;
    send_batch_.count_sends_in(&metrics_.uring_sends);
    hub_->set_delivery_batch(&send_batch_);
    return "fan-out: writes handed to the kernel together through io_uring";
}

int Server::run() {
    raise_fd_limit();
    // Handlers first: a SIGTERM that arrives as soon as we listen must still shut down cleanly.
    std::signal(SIGPIPE, SIG_IGN);
    uv_signal_init(&loop_, &sigterm_);
    uv_signal_init(&loop_, &sigint_);
    uv_signal_init(&loop_, &sighup_);
    sigterm_.data = sigint_.data = sighup_.data = this;
    uv_signal_start(&sigterm_, on_signal, SIGTERM);
    uv_signal_start(&sigint_, on_signal, SIGINT);
    uv_signal_start(&sighup_, on_signal, SIGHUP);
    uv_timer_init(&loop_, &tick_);
    uv_timer_init(&loop_, &grace_);
    tick_.data = grace_.data = this;
    flush_list_.init(&loop_);
    std::string fan_out;
    try {
        hub_ = std::make_unique<sse::Hub>(hub_limits(ctx_.config), metrics_);
        ctx_.hub = hub_.get();
        if (ctx_.config.redis.empty()) {
            ids_ = std::make_unique<sse::IdSource>(ctx_.config.state_dir, wall_ms());
            local_sink_ = std::make_unique<sse::LocalSink>(*ids_, *hub_);
            ctx_.sink = local_sink_.get();
        } else {
#ifdef SSEHUB_HAVE_REDIS
            // Redis assigns the ids: the state directory is not used.
            redis_ = std::make_unique<redis::Upstream>(&loop_, ctx_.config, redis_password_, *hub_,
                                                       metrics_);
            ctx_.sink = &redis_->sink();
#else
            throw std::runtime_error("--redis: built without Redis support");
#endif
        }
        fan_out = start_send_batch();
        start_listening();
    } catch (const std::exception& e) {
        log::error(e.what());
        for (net::Listener* l : listeners_)
            l->close();
        listeners_.clear();
        close_loop_handles();
        return 1;
    }
    log::info(fan_out);
    last_tick_ms_ = uv_now(&loop_);
    uv_timer_start(&tick_, on_tick, tick_ms, tick_ms);

#ifdef SSEHUB_HAVE_REDIS
    if (redis_) redis_->start();
#endif
    notify("READY=1");
    uv_run(&loop_, UV_RUN_DEFAULT);
    log::info("stopped");
    return 0;
}

// TLS listeners are "tls:ADDR:PORT" (or, under socket activation, sockets systemd names "tls"
// with FileDescriptorName=). The certificate is loaded once here; a bad file stops the start.
void Server::start_tls() {
    bool wanted = !ctx_.config.tls_cert.empty();
    for (const std::string& spec : ctx_.config.listen)
        wanted |= spec.starts_with("tls:");
    if (!wanted) return;
#ifdef SSEHUB_HAVE_TLS
    tls_ = std::make_shared<tls::ServerContext>(ctx_.config.tls_cert, ctx_.config.tls_key);
    ctx_.tls = tls_.get();
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

void Server::start_listening() {
    auto accept_on = [this](bool tls) {
        if (tls && !ctx_.tls)
            throw std::runtime_error("a TLS listener needs --tls-cert and --tls-key");
        return [this, tls](uv_stream_t* server, bool is_unix) {
            http::Connection::accept(server, is_unix, ctx_, tls && !is_unix);
        };
    };
#ifdef SSEHUB_HAVE_SYSTEMD
    // Socket activation: systemd already listens for us; --listen is then ignored.
    char** names = nullptr;
    int fds = sd_listen_fds_with_names(1, &names);
    if (fds < 0) throw std::runtime_error(std::string("LISTEN_FDS: ") + std::strerror(-fds));
    std::vector<bool> tls_fd(static_cast<size_t>(fds));
    for (int i = 0; names && names[i]; ++i) {
        if (i < fds) tls_fd[static_cast<size_t>(i)] = std::strcmp(names[i], "tls") == 0;
        free(names[i]);
    }
    free(names);
    for (int i = 0; i < fds; ++i) {
        bool tls = tls_fd[static_cast<size_t>(i)];
        net::Listener* l = net::Listener::adopt(&loop_, SD_LISTEN_FDS_START + i, accept_on(tls));
        listeners_.push_back(l);
        log::info("listening on " + l->address() + (tls ? " (tls)" : "") + " (socket activation)");
    }
    if (fds > 0) return;
#endif
    for (const std::string& spec : ctx_.config.listen) {
        bool tls = spec.starts_with("tls:");
        net::Listener* l = net::Listener::open(&loop_, tls ? spec.substr(4) : spec, accept_on(tls));
        listeners_.push_back(l);
        log::info("listening on " + l->address() + (tls ? " (tls)" : ""));
    }
    if (ctx_.tls && std::none_of(ctx_.config.listen.begin(), ctx_.config.listen.end(),
                                 [](const std::string& s) { return s.starts_with("tls:"); }))
        log::warn("--tls-cert is set but no --listen tls:ADDR:PORT uses it");
}

void Server::on_signal(uv_signal_t* handle, int signum) noexcept {
    auto* s = static_cast<Server*>(handle->data);
    if (signum == SIGHUP)
        s->reload();
    else
        s->begin_shutdown(signum);
}

void Server::reload() {
    notify("RELOADING=1");
    std::string error;
    std::optional<config::Config> next = ctx_.config;
    if (reloader_) next = reloader_(error);
    try {
        if (!next) throw std::runtime_error(error);
        if (next->listen != ctx_.config.listen || next->state_dir != ctx_.config.state_dir)
            log::warn("listen and state-dir changes take effect only after a restart");
        if (next->redis != ctx_.config.redis || next->redis_stream != ctx_.config.redis_stream)
            log::warn("redis and redis-stream changes take effect only after a restart");
        if (next->io_uring != ctx_.config.io_uring)
            log::warn("io-uring changes take effect only after a restart");
        next->listen = ctx_.config.listen;
        next->state_dir = ctx_.config.state_dir;
        next->redis = ctx_.config.redis;
        next->redis_stream = ctx_.config.redis_stream;
        next->io_uring = ctx_.config.io_uring;
        Loaded loaded = load(*next); // the token and password files
        reload_tls(*next);
        apply(*next, std::move(loaded));
        log::info("reloaded configuration");
    } catch (const std::exception& e) {
        log::error(std::string("reload failed, keeping the old configuration: ") + e.what());
    }
    notify("READY=1");
}

void Server::on_tick(uv_timer_t* timer) noexcept {
    auto* s = static_cast<Server*>(timer->data);
    uint64_t now = uv_now(&s->loop_);
    s->hub_->send_heartbeats(now);
    // libuv runs timers before polling for input. After the loop was busy for a while (a
    // burst of publishes to many subscribers), requests that arrived meanwhile are still
    // unread in their sockets: sweeping now would cut them for the loop's delay, not theirs.
    // Sweep on the next tick, after the poll has read them.
    bool stalled = now - s->last_tick_ms_ > 2 * tick_ms;
    s->last_tick_ms_ = now;
    if (!stalled) http::Connection::sweep_deadlines(s->ctx_, now);
}

void Server::begin_shutdown(int signum) {
    if (ctx_.shutting_down) {
        log::warn("second signal: closing every connection now");
        on_grace_expired(&grace_);
        return;
    }
    ctx_.shutting_down = true;
    notify("STOPPING=1");
    log::info(std::string("shutting down on ") + (signum == SIGINT ? "SIGINT" : "SIGTERM") +
              ": flushing " + std::to_string(hub_->size()) + " subscribers for up to " +
              std::to_string(ctx_.config.shutdown_grace_s) + " s");
    for (net::Listener* l : listeners_)
        l->close();
    listeners_.clear();
    http::Connection::finish_all(ctx_);
    uv_timer_start(&grace_, on_grace_expired, uint64_t{ctx_.config.shutdown_grace_s} * 1000, 0);
    maybe_finish_shutdown();
}

void Server::on_grace_expired(uv_timer_t* timer) noexcept {
    auto* s = static_cast<Server*>(timer->data);
    for (http::ConnectionList* list : {&s->ctx_.waiting, &s->ctx_.streaming})
        while (list->head)
            list->head->close();
    s->maybe_finish_shutdown();
}

void Server::maybe_finish_shutdown() {
    if (ctx_.shutting_down && ctx_.open_connections == 0) close_loop_handles();
}

void Server::close_loop_handles() {
    if (loop_handles_closed_) return;
    loop_handles_closed_ = true;
#ifdef SSEHUB_HAVE_REDIS
    if (redis_) redis_->stop(); // no connection waits for an answer any more
#endif
    for (uv_handle_t* h :
         {reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
          reinterpret_cast<uv_handle_t*>(&sighup_), reinterpret_cast<uv_handle_t*>(&tick_),
          reinterpret_cast<uv_handle_t*>(&grace_), flush_list_.handle()})
        uv_close(h, nullptr);
}

} // namespace ssehub
