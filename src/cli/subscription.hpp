// A reconnecting event-stream subscriber, as EventSource behaves: GET /events, parse the
// stream, hand each event to a printer; when the stream ends or cannot be opened, wait the
// retry: delay and reconnect with Last-Event-ID. Stops on SIGINT/SIGTERM or after
// --max-events, on an answer that asking again will not change (a 4xx such as a refused
// token), and after the hub's `ssehub.expired` event: the hub ended the stream because the
// token expired (or no longer allows it), so reconnecting with the same token cannot help.
//
// Ownership: a Subscription owns its loop and three handles (two signals, the retry timer),
// all closed in stop() and finished in on_close; the current HttpExchange deletes itself, the
// Subscription only keeps a non-owning pointer to it while it runs.
#pragma once

#include "cli/client_options.hpp"
#include "cli/http_client.hpp"
#include "cli/sse_parser.hpp"

#include <functional>
#include <optional>
#include <string>
#include <uv.h>

namespace ssehub::cli {

class Subscription {
  public:
    // Prints one event; returns false when output failed (the subscription then stops with
    // `output_status`, already reported by the printer).
    using Printer = std::function<bool(const SseEvent&, int& output_status)>;

    Subscription(const ClientOptions& options, const Url& url, Printer printer);
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

    // Runs until stopped; returns the exit status.
    int run();

    static constexpr uint64_t default_retry_ms = 3000;
    static constexpr uint64_t min_retry_ms = 100; // never a busy loop, whatever retry: says
    static constexpr size_t max_error_body = 4096;

  private:
    void connect();
    void on_head(const ResponseHead& head);
    void on_body(std::string_view bytes);
    void on_done(const std::string& error);
    void reconnect_later(const std::string& why);
    void stop(int status);

    static void on_signal(uv_signal_t* handle, int signum) noexcept;
    static void on_retry_timer(uv_timer_t* timer) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    const ClientOptions& options_; // not owned; outlives the Subscription
    Url url_;
    Printer printer_;
    uv_loop_t loop_;
    uv_signal_t sigint_, sigterm_;
    uv_timer_t retry_timer_;
    int open_handles_ = 0;
    HttpExchange* exchange_ = nullptr; // not owned: the running exchange, if any
    SseParser parser_;
    int status_ = 0;         // HTTP status of the current answer; 0 before its head
    std::string error_body_; // start of a non-200 answer, for the notice
    std::optional<std::string> www_authenticate_; // of a non-200 answer: why a token failed
    bool lost_ = false;       // a notice went out; say so when the stream is back
    std::string last_notice_; // the same failure is not repeated every retry
    uint64_t printed_ = 0;
    bool stopping_ = false;
    int exit_status_ = 0;
};

} // namespace ssehub::cli
