// One listening socket: TCP (IPv4 or IPv6) or a Unix socket. A Listener is heap-allocated and
// frees itself in its close callback; the server keeps a non-owning pointer until close().
#pragma once

#include <functional>
#include <string>
#include <uv.h>

namespace ssehub::net {

class Listener {
  public:
    // Called for each pending connection; the callee uv_accept()s from `server`.
    using OnConnection = std::function<void(uv_stream_t* server, bool is_unix)>;

    // Binds and listens on "ADDR:PORT", "[V6ADDR]:PORT" or "unix:/path". Throws
    // std::runtime_error with a one-line reason (address in use, bad address...).
    static Listener* open(uv_loop_t* loop, const std::string& spec, OnConnection on_connection);
    // Adopts an already listening socket (systemd socket activation).
    static Listener* adopt(uv_loop_t* loop, int fd, OnConnection on_connection);

    // Stops accepting; the object is deleted once libuv has closed the handle. Idempotent.
    void close();
    // Stops accepting here but keeps the socket listening for another owner (a hand-over):
    // returns a duplicate of it (close-on-exec; -1 with errno set on failure), then closes as
    // close() does, except that a Unix socket's path stays: it is the new owner's now.
    int release();
    // Where it really listens, with the kernel's port for ":0" ("127.0.0.1:43121", "unix:/p").
    std::string address() const;
    bool is_unix() const { return is_unix_; }

  private:
    Listener() = default;
    ~Listener() = default;
    static void on_connection(uv_stream_t* server, int status) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    union {
        uv_tcp_t tcp;
        uv_pipe_t pipe;
        uv_handle_t handle;
        uv_stream_t stream;
    } h_;
    bool is_unix_ = false;
    bool closing_ = false;
    std::string unix_path_; // removed at close
    OnConnection on_connection_;
};

} // namespace ssehub::net
