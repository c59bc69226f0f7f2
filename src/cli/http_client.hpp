// One HTTP/1.1 request and its response over TCP or a Unix socket, on the caller's libuv loop;
// the response is read by a ResponseReader (llhttp). Every request says "Connection: close":
// the client never reuses a connection, so there is no pool to manage.
//
// Ownership: an HttpExchange is heap-allocated by start() and deletes itself once its last
// handle has closed (and a pending name lookup has returned). The caller keeps a non-owning
// pointer until on_done runs or until it calls cancel(), and never touches it afterwards.
#pragma once

#include "cli/response_reader.hpp"
#include "cli/url.hpp"

#include <functional>
#include <string>
#include <utility>
#include <uv.h>
#include <vector>

namespace ssehub::cli {

struct Request {
    std::string method = "GET";
    std::string path; // hub path such as "/events?topic=a"; the URL prefix is put before it
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

class HttpExchange {
  public:
    struct Handlers {
        std::function<void(const ResponseHead&)> on_head;
        std::function<void(std::string_view)> on_body; // body bytes as they arrive
        // Called exactly once, last, unless cancel() came first: `error` is empty when the
        // whole response arrived, else one line saying what went wrong.
        std::function<void(const std::string& error)> on_done;
    };

    // Connects and sends the request. `timeout_ms` bounds the whole exchange (0: no bound);
    // `head_timeout_ms` bounds connecting and the response head only (0: no bound), so a body
    // may then take forever (an event stream); connecting is always bounded by
    // connect_timeout_ms. Never calls a handler before it returns.
    static HttpExchange* start(uv_loop_t* loop, const Url& url, const Request& request,
                               Handlers handlers, uint64_t timeout_ms,
                               uint64_t head_timeout_ms = 0);
    // Stops at once; no handler is called any more. Idempotent.
    void cancel();

    static constexpr uint64_t connect_timeout_ms = 10000;

  private:
    HttpExchange(uv_loop_t* loop, const Url& url, Handlers handlers);
    ~HttpExchange() = default;

    void begin(const Request& request, uint64_t timeout_ms, uint64_t head_timeout_ms);
    void connect_to(const sockaddr* addr);
    void on_connected();
    void arm_timer();
    void on_bytes(std::string_view bytes);
    void on_eof();
    void finish(const std::string& error);
    void fail_soon(std::string error);
    void close_all();
    void maybe_delete();
    std::string describe(int uv_error) const;

    static void on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept;
    static void on_connect(uv_connect_t* req, int status) noexcept;
    static void on_write(uv_write_t* req, int status) noexcept;
    static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_timer(uv_timer_t* timer) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    uv_loop_t* loop_; // not owned
    Url url_;
    Handlers handlers_;
    std::string request_bytes_; // kept alive until the write callback
    uint64_t timeout_ms_ = 0;
    uint64_t connect_wait_ms_ = 0;
    uint64_t deadline_ms_ = 0; // loop time at which the exchange gives up; 0: never
    uint64_t head_timeout_ms_ = 0;
    uint64_t head_deadline_ms_ = 0; // loop time by which the head must be in; 0: never
    ResponseReader reader_;
    bool connected_ = false;
    bool head_delivered_ = false;
    bool done_ = false;    // on_done called, or cancelled: no handler runs again
    bool closing_ = false; // close_all() ran
    bool resolving_ = false;
    bool stream_open_ = false; // stream_ was initialised and not yet closed
    int open_handles_ = 0;
    std::string pending_error_; // delivered from the timer, so start() never calls back
    uv_timer_t timer_;
    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_handle_t handle;
        uv_stream_t stream;
    } stream_;
    uv_getaddrinfo_t resolve_req_;
    uv_connect_t connect_req_;
    uv_write_t write_req_;
    char read_buf_[64 * 1024];
};

} // namespace ssehub::cli
