#include "channel.hpp"

namespace bench {

namespace {

struct PendingLine {
    uv_write_t req;
    std::string bytes;
};

} // namespace

Channel::Channel(uv_loop_t* loop, int fd, OnLine on_line, OnEnd on_end)
    : on_line_(std::move(on_line)), on_end_(std::move(on_end)) {
    uv_pipe_init(loop, &pipe_, 0);
    uv_pipe_open(&pipe_, fd);
    pipe_.data = this;
    uv_read_start(reinterpret_cast<uv_stream_t*>(&pipe_), on_alloc, on_read);
}

void Channel::send(const std::string& verb, const std::string& text) {
    if (closing_) return;
    auto* line = new PendingLine;
    line->bytes = verb;
    if (!text.empty()) line->bytes += ' ' + text;
    line->bytes += '\n';
    line->req.data = line;
    uv_buf_t buf = uv_buf_init(line->bytes.data(), static_cast<unsigned>(line->bytes.size()));
    if (uv_write(&line->req, reinterpret_cast<uv_stream_t*>(&pipe_), &buf, 1, on_write) != 0)
        delete line;
}

void Channel::on_write(uv_write_t* req, int) noexcept {
    delete static_cast<PendingLine*>(req->data);
}

void Channel::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
    auto* c = static_cast<Channel*>(handle->data);
    *buf = uv_buf_init(c->read_buffer_, sizeof c->read_buffer_);
}

void Channel::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* c = static_cast<Channel*>(stream->data);
    if (nread < 0) {
        uv_read_stop(stream);
        if (c->on_end_ && !c->closing_) c->on_end_();
        return;
    }
    c->input_.append(buf->base, static_cast<size_t>(nread));
    size_t start = 0;
    for (size_t nl; (nl = c->input_.find('\n', start)) != std::string::npos; start = nl + 1) {
        std::string line = c->input_.substr(start, nl - start);
        size_t space = line.find(' ');
        std::string verb = line.substr(0, space);
        std::string text = space == std::string::npos ? std::string() : line.substr(space + 1);
        c->on_line_(verb, text);
        if (c->closing_) return;
    }
    c->input_.erase(0, start);
}

void Channel::close(std::function<void()> done) {
    if (closing_) return;
    closing_ = true;
    closed_ = std::move(done);
    uv_read_stop(reinterpret_cast<uv_stream_t*>(&pipe_));
    auto* req = new uv_shutdown_t;
    req->data = this;
    if (uv_shutdown(req, reinterpret_cast<uv_stream_t*>(&pipe_), on_shutdown) != 0) {
        delete req;
        uv_close(reinterpret_cast<uv_handle_t*>(&pipe_), on_close);
    }
}

void Channel::on_shutdown(uv_shutdown_t* req, int) noexcept {
    auto* c = static_cast<Channel*>(req->data);
    delete req;
    uv_close(reinterpret_cast<uv_handle_t*>(&c->pipe_), on_close);
}

void Channel::on_close(uv_handle_t* handle) noexcept {
    auto* c = static_cast<Channel*>(handle->data);
    if (c->closed_) c->closed_();
}

} // namespace bench
