#include "server.hpp"

#include "base/clock.hpp"
#include "base/log.hpp"
#include "http1/connection.hpp"

#include <algorithm>
#include <csignal>
#include <cstring>
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

} // namespace

Server::Server(const config::Config& config, Reloader reloader) : reloader_(std::move(reloader)) {
    // Both may throw (token file, certificate): before the loop exists, so nothing leaks, and
    // --check-config finds a bad certificate too.
    apply(config, load(config));
    start_tls();
    uv_loop_init(&loop_);
    metrics_.start_ms = uv_now(&loop_);
}

Server::~Server() {
    // Every handle is closed by the time run() returns; this reaps what a failed start left.
    uv_run(&loop_, UV_RUN_DEFAULT);
    uv_loop_close(&loop_);
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
    max_connections_ = lim.rlim_cur > 2 * reserve ? lim.rlim_cur - reserve : lim.rlim_cur / 2;
    if (config_.max_subscribers > max_connections_)
        log::warn("max-subscribers " + std::to_string(config_.max_subscribers) +
                  " is above what the descriptor limit allows (" +
                  std::to_string(max_connections_) + " connections)");
}

// --io-uring is read once, at start: a reload does not change it. The ring is made before
// the listeners (every descriptor the hub keeps exists once it says it listens); the line that
// says which way fan-out goes is returned, to be logged once listening worked (a start that
// fails says one line only).
std::string Server::start_send_batch() {
    if (config_.io_uring == "off") return "fan-out: one send() per delivery (--io-uring off)";
    std::string why = send_batch_.start(
        static_cast<unsigned>(std::min<size_t>(max_connections_, std::numeric_limits<int>::max())));
    if (!why.empty()) return "fan-out: one send() per delivery (" + why + ")";
    connections_->set_send_batch(&send_batch_);
    send_batch_.count_sends_in(&metrics_.uring_sends);
    // An HTTP/2 connection's share of a fan-out (many streams' DATA frames, one TLS record run)
    // is written at the end of the pass, with the pass's other sends, not one send() each on
    // the next loop turn.
    send_batch_.before_last_submit([this] { session_output_.flush_at_pass_end(); });
    hub_->set_delivery_batch(&send_batch_);
    return "fan-out: writes handed to the kernel together through io_uring";
}

int Server::run() {
    raise_fd_limit();
    // Handlers first: a SIGTERM that arrives as soon as we listen must still shut down cleanly.
    std::signal(SIGPIPE, SIG_IGN);
    // A file past RLIMIT_FSIZE must fail the write (counted, logged), not kill the hub.
    std::signal(SIGXFSZ, SIG_IGN);
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
    session_output_.init(&loop_);
    std::string fan_out;
    try {
        // Before the id source reads the state directory: see receive_handover().
        if (!config_.take_over.empty())
            receive_handover();
        else
            receive_fdstore();
        hub_ = std::make_unique<sse::Hub>(hub_limits(config_, settings_.jwt_keys), metrics_);
        sse::EventSink* sink = nullptr;
        if (config_.redis.empty()) {
            ids_ = std::make_unique<sse::IdSource>(config_.state_dir, base::wall_ms());
            hub_->set_start(ids_->start());
            if (config_.history_persist == "on") {
                history_ =
                    std::make_unique<sse::HistoryLog>(&loop_, history_options(config_), metrics_);
                if (auto last = history_->open(*hub_, ids_->last()))
                    ids_->continue_after(*last, base::wall_ms());
            } else if (size_t n = sse::HistoryLog::discard(history_options(config_).dir)) {
                log::info("history-persist off: removed the " + std::to_string(n) +
                          " segment(s) of an earlier history log (they would miss this run's "
                          "events)");
            }
            local_sink_ = std::make_unique<sse::LocalSink>(*ids_, *hub_, history_.get());
            sink = local_sink_.get();
        } else {
#ifdef SSEHUB_HAVE_REDIS
            // Redis assigns the ids: the state directory is not used.
            // The command line checked the URL.
            auto url = std::get<redis::RedisUrl>(redis::RedisUrl::parse(config_.redis));
            redis_ = std::make_unique<redis::Upstream>(&loop_, url, redis_options(config_),
                                                       redis_password_, *hub_, metrics_);
            sink = &redis_->sink();
#else
            throw std::runtime_error("--redis: built without Redis support");
#endif
        }
        app_ = std::make_unique<app::Application>(&loop_, settings_, *hub_, *sink, metrics_);
        connections_ = std::make_unique<http1::ConnectionSet>(*app_, flush_list_, session_output_);
        connections_->set_max_connections(max_connections_);
        connections_->set_tls(tls_.get());
        connections_->on_connection_closed([this] { maybe_finish_shutdown(); });
        fan_out = start_send_batch();
        if (handover_)
            adopt_handover();
        else
            start_listening();
        app_->set_listeners(listening_on_);
        start_handover_socket();
    } catch (const std::exception& e) {
        log::error(e.what());
        for (net::Listener* l : listeners_)
            l->close();
        listeners_.clear();
        if (connections_) connections_->close_all(); // streams adopted before the failure
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
    start_watchdog();
    status_.since_ms = last_tick_ms_;
    uv_run(&loop_, UV_RUN_DEFAULT);
    log::info("stopped");
    return exit_status_;
}

net::Listener::OnConnection Server::accept_on(bool tls) {
    if (tls && !tls_) throw std::runtime_error("a TLS listener needs --tls-cert and --tls-key");
    return [this, tls](uv_stream_t* server, bool is_unix) {
        connections_->accept(server, is_unix, tls && !is_unix);
    };
}

void Server::start_listening() {
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
        listening_on_.push_back((tls ? "tls:" : "") + l->address());
        log::info("listening on " + l->address() + (tls ? " (tls)" : "") + " (socket activation)");
    }
    if (fds > 0) return;
#endif
    for (const std::string& spec : config_.listen) {
        bool tls = spec.starts_with("tls:");
        net::Listener* l = net::Listener::open(&loop_, tls ? spec.substr(4) : spec, accept_on(tls));
        listeners_.push_back(l);
        listening_on_.push_back((tls ? "tls:" : "") + l->address());
        log::info("listening on " + l->address() + (tls ? " (tls)" : ""));
    }
    if (tls_ && std::none_of(config_.listen.begin(), config_.listen.end(),
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
    if (!stalled) s->connections_->sweep_deadlines(now);
    s->notify_tick(now);
    s->trim_heap_after_bursts();
}

void Server::begin_shutdown(int signum) {
    if (app_->shutting_down()) {
        log::warn("second signal: closing every connection now");
        on_grace_expired(&grace_);
        return;
    }
    app_->begin_shutdown();
    notify("STOPPING=1");
    const char* why = signum == SIGINT ? "SIGINT" : signum == SIGTERM ? "SIGTERM" : "hand-over";
    log::info(std::string("shutting down on ") + why + ": flushing " +
              std::to_string(hub_->size()) + " subscribers for up to " +
              std::to_string(config_.shutdown_grace_s) + " s");
    for (net::Listener* l : listeners_)
        l->close();
    listeners_.clear();
    connections_->finish_all();
    uv_timer_start(&grace_, on_grace_expired, uint64_t{config_.shutdown_grace_s} * 1000, 0);
    maybe_finish_shutdown();
}

void Server::on_grace_expired(uv_timer_t* timer) noexcept {
    auto* s = static_cast<Server*>(timer->data);
    s->connections_->close_all();
    s->maybe_finish_shutdown();
}

void Server::maybe_finish_shutdown() {
    // app_ is null only after a failed start, which closes the loop handles itself.
    if (app_ && app_->shutting_down() && connections_->open() == 0) close_loop_handles();
}

void Server::close_loop_handles() {
    if (loop_handles_closed_) return;
    loop_handles_closed_ = true;
    close_handover_handles();
#ifdef SSEHUB_HAVE_REDIS
    if (redis_) redis_->stop(); // no connection waits for an answer any more
#endif
    if (history_) history_->close(hub_ ? hub_->newest() : std::nullopt);
    for (uv_handle_t* h :
         {reinterpret_cast<uv_handle_t*>(&sigterm_), reinterpret_cast<uv_handle_t*>(&sigint_),
          reinterpret_cast<uv_handle_t*>(&sighup_), reinterpret_cast<uv_handle_t*>(&tick_),
          reinterpret_cast<uv_handle_t*>(&grace_), flush_list_.handle(), session_output_.handle()})
        uv_close(h, nullptr);
}

} // namespace ssehub
