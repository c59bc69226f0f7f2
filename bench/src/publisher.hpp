// P keep-alive connections that POST events to the server under test. Event `seq` always
// goes out on connection seq % P, which has at most one request in flight (no pipelining:
// not every peer supports it), so the events of one connection reach the server in order
// and subscribers can check the order per connection. The request
// body comes from a template in which every "{data}" becomes the event's payload, so the
// same harness drives ssehub's form, nchan's raw body or any peer's own format.
// The Publisher owns its connections; close_all()'s callback is the last thing it calls.
#pragma once

#include "url.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <uv.h>
#include <vector>

namespace bench {

struct PublisherConfig {
    Url url;
    std::string body_template = "data={data}";
    std::string content_type = "application/x-www-form-urlencoded";
    uint32_t connections = 1;
    size_t event_bytes = 64;
};

class Publisher {
  public:
    struct Events {
        std::function<void()> ready;                         // every connection is up
        std::function<void()> reconnected;                   // a dropped connection is back
        std::function<void(uint32_t seq, bool ok)> answered; // a response arrived (ok: 2xx)
        std::function<void(const std::string& why)> failure; // cannot publish at all
    };

    Publisher(uv_loop_t* loop, PublisherConfig config, Events events);
    ~Publisher();
    Publisher(const Publisher&) = delete;
    Publisher& operator=(const Publisher&) = delete;

    void connect();
    // Sends event `seq` stamped `sent_ns` on connection seq % P; false while that one is busy
    // or reconnecting (then try again on `answered` or `reconnected`).
    bool publish(uint32_t seq, uint64_t sent_ns);
    uint32_t in_flight() const { return in_flight_; }
    uint64_t errors() const { return errors_; }
    const std::string& first_error() const { return first_error_; }
    void close_all(std::function<void()> done);

  private:
    struct Connection;
    friend struct Connection;

    void open(Connection& c);
    void on_connected(Connection& c);
    void on_answer(Connection& c, bool ok, int status);
    void on_broken(Connection& c, const std::string& why);
    std::string render(uint32_t seq, uint64_t sent_ns) const;

    static void on_connect(uv_connect_t* req, int status) noexcept;
    static void on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_write(uv_write_t* req, int status) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    uv_loop_t* loop_; // not owned
    PublisherConfig config_;
    Events events_;
    std::string head_prefix_; // request line and fixed headers
    std::vector<std::unique_ptr<Connection>> conns_;
    uint32_t ready_count_ = 0;
    uint32_t in_flight_ = 0;
    uint32_t handles_open_ = 0;
    uint64_t errors_ = 0;
    std::string first_error_;
    bool announced_ready_ = false;
    bool closing_ = false;
    std::function<void()> closed_;
};

} // namespace bench
