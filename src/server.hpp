// The daemon, and the one place that wires the layers together: one libuv loop that owns the
// listeners, the connections (an http1::ConnectionSet), the application they carry requests
// to, the hub, the event sink (the id source of a lone hub, or the Redis upstream with
// --redis), the signal handlers and one housekeeping timer (heartbeats and request deadlines
// for every connection at once). The configuration is turned here into what each layer is
// told (app::Settings, sse::HubLimits, redis::StreamOptions).
#pragma once

#include "app/application.hpp"
#include "app/settings.hpp"
#include "config/config.hpp"
#include "http1/connection_set.hpp"
#include "metrics/metrics.hpp"
#include "net/flush_list.hpp"
#include "net/listener.hpp"
#include "net/send_batch.hpp"
#include "sse/history_log.hpp"
#include "sse/hub.hpp"
#include "sse/id_source.hpp"
#include "sse/local_sink.hpp"

#ifdef SSEHUB_HAVE_REDIS
#include "redis/upstream.hpp"
#endif

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <uv.h>
#include <vector>

namespace ssehub::tls {
class ServerContext;
}

namespace ssehub {

class Server {
  public:
    // Reads the configuration again for SIGHUP: the new one, or nothing with `error` set.
    using Reloader = std::function<std::optional<config::Config>(std::string& error)>;

    explicit Server(const config::Config& config, Reloader reloader = nullptr);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Listens, serves until SIGTERM/SIGINT, drains, returns the exit status (0, or 1 after a
    // startup failure, which is logged as one line).
    int run();

    struct Handover; // what a hand-over to or from another process holds (server_handover.cpp)
    // Where a hand-over's messages come from and go: the taker's socket, or systemd's store.
    using NextMessage = std::function<int(std::string& msg, std::vector<int>& fds)>;
    using SendMessage = std::function<int(const std::string& msg, const std::vector<int>& fds)>;
    // The exit status after a hand-over into systemd's file descriptor store: the unit's
    // RestartForceExitStatus= and SuccessExitStatus= name it (EX_TEMPFAIL).
    static constexpr int fdstore_exit_status = 75;

  private:
    static void on_signal(uv_signal_t* handle, int signum) noexcept;
    static void on_tick(uv_timer_t* timer) noexcept;
    static void on_grace_expired(uv_timer_t* timer) noexcept;

    // One line to systemd (READY=1, RELOADING=1, STOPPING=1); nothing without libsystemd.
    // server_notify.cpp, with the STATUS= line and the watchdog kept by the tick.
    static void notify(const char* state);
    void start_watchdog();
    void notify_tick(uint64_t now_ms);
    // server_memory.cpp: heap pages freed by a burst of connections go back to the system.
    void trim_heap_after_bursts();
    static sse::HistoryLogOptions history_options(const config::Config& c);
    static sse::HubLimits hub_limits(const config::Config& c,
                                     std::shared_ptr<const auth::KeySet> signing_keys);
#ifdef SSEHUB_HAVE_REDIS
    static redis::StreamOptions redis_options(const config::Config& c);
#endif
    void start_listening();
    net::Listener::OnConnection accept_on(bool tls);
    // Restarts without disconnects (server_handover.cpp): the hand-over socket this hub
    // listens on for its successor, the drain and the sending on the old side; receiving
    // (before the id source reads the state directory: the old hub's last ids are on disk
    // by then) and adopting on the new side.
    void start_handover_socket();
    void receive_handover();
    void adopt_handover();
    void on_handover_request();
    void on_taker_readable();
    void begin_handover();
    void on_handover_tick();
    void complete_handover();
    void abandon_handover(const std::string& why);
    void close_handover_handles();
    void start_handover_tick();
    std::string read_handover(const NextMessage& next, Handover& h, const std::string& what);
    // systemd's file descriptor store (server_fdstore.cpp): SIGUSR2 under NOTIFY_SOCKET hands
    // over into it; the next process finds it in LISTEN_FDS (names "ssehub-...").
    void start_fdstore_trigger();
    void on_fdstore_signal();
    int store_message(const std::string& msg, const std::vector<int>& fds);
    int finish_store();
    void receive_fdstore();
    void release_fdstore();
    void begin_shutdown(int signum);
    void maybe_finish_shutdown();
    void close_loop_handles();
    void reload();
    // What a configuration names in other files (tokens, the Redis password): read by load(),
    // which throws and changes nothing, then put in force by apply(), which cannot fail. So a
    // reload is all or nothing.
    struct Loaded {
        std::vector<std::string> publish_tokens;
        std::string redis_password;
        std::shared_ptr<const auth::KeySet> jwt_keys; // null without --jwt-key
        app::OriginList cors_origins;
    };
    static Loaded load(const config::Config& config);
    void apply(const config::Config& config, Loaded loaded);
    void raise_fd_limit();
    std::string start_send_batch();
    void start_tls();
    void reload_tls(const config::Config& next); // throws, keeping the old certificate

    uv_loop_t loop_;
    metrics::Metrics metrics_;
    std::unique_ptr<sse::IdSource> ids_;
    std::unique_ptr<sse::Hub> hub_;
    std::unique_ptr<sse::HistoryLog> history_;   // a lone hub with --history-persist on
    std::shared_ptr<tls::ServerContext> tls_;    // when a listener speaks TLS
    std::unique_ptr<sse::LocalSink> local_sink_; // a lone hub's sink
#ifdef SSEHUB_HAVE_REDIS
    std::unique_ptr<redis::Upstream> redis_; // with --redis: the sink, and the hub's feed
#endif
    std::string redis_password_;
    config::Config config_;
    app::Settings settings_; // from config_, replaced on SIGHUP; the application reads it
    std::unique_ptr<app::Application> app_;             // once the hub and the sink exist
    std::unique_ptr<http1::ConnectionSet> connections_; // with app_
    size_t max_connections_ = SIZE_MAX;                 // from the descriptor limit
    net::FlushList flush_list_;     // connections' input set aside for the next loop turn
    net::FlushList session_output_; // HTTP/2 sessions' output: see start_send_batch()
    net::SendBatch send_batch_;     // outlives every connection: they are closed before run() ends
    std::vector<net::Listener*> listeners_; // each frees itself once closed
    std::vector<std::string> listening_on_; // their addresses, "tls:" before a TLS one
    uv_signal_t sigterm_, sigint_, sighup_;
    uv_timer_t tick_, grace_;
    uint64_t last_tick_ms_ = 0;
    struct HeapTrim {
        uint64_t accepted = 0, open = 0, settled = 0; // as the previous tick saw them
        uint64_t churn = 0;       // connections opened and closed since the last trim
        unsigned quiet_ticks = 0; // ticks in a row with nothing moving
    } heap_trim_;
    struct NotifyState {
        uint64_t watchdog_every_ms = 0; // 0: no watchdog
        uint64_t last_watchdog_ms = 0;
        uint64_t since_ms = 0; // start of the interval the next STATUS= rate covers
        uint64_t events = 0;   // events_published then
        std::string line;      // the last STATUS= sent
    } status_;
    Reloader reloader_;
    std::shared_ptr<Handover> handover_; // shared_ptr: the type is complete only in its file
    bool loop_handles_closed_ = false;
    int exit_status_ = 0; // what run() returns after the loop
};

} // namespace ssehub
