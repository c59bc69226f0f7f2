// A line-oriented channel over one end of a socketpair, between the coordinator and a
// worker process. Lines are "<verb> <text>\n"; the text never holds a newline (JSON is
// dumped compact). The Channel owns its pipe handle; close() ends it in on_close.
#pragma once

#include <functional>
#include <string>
#include <uv.h>

namespace bench {

class Channel {
  public:
    using OnLine = std::function<void(const std::string& verb, const std::string& text)>;
    using OnEnd = std::function<void()>;

    // Takes ownership of `fd`.
    Channel(uv_loop_t* loop, int fd, OnLine on_line, OnEnd on_end);
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    void send(const std::string& verb, const std::string& text = {});
    // Closes after the queued lines are written; `done` runs when the handle is closed.
    void close(std::function<void()> done = nullptr);

  private:
    static void on_alloc(uv_handle_t*, size_t suggested, uv_buf_t* buf) noexcept;
    static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept;
    static void on_write(uv_write_t* req, int status) noexcept;
    static void on_shutdown(uv_shutdown_t* req, int status) noexcept;
    static void on_close(uv_handle_t* handle) noexcept;

    uv_pipe_t pipe_;
    OnLine on_line_;
    OnEnd on_end_;
    std::function<void()> closed_;
    std::string input_;
    char read_buffer_[64 * 1024];
    bool closing_ = false;
};

} // namespace bench
