#include "cli/http_client.hpp"

#include <cstring>
#include <exception>

namespace ssehub::cli {

namespace {

std::string seconds_text(uint64_t ms) {
    std::string s = std::to_string(ms / 1000);
    if (ms % 1000) {
        s += '.'; // appended apart: GCC 12 -O3 misreads "." + std::string as overlapping
        s += std::to_string(ms % 1000 / 100);
    }
    return s + " s";
}

std::string serialize(const Url& url, const Request& r) {
    std::string out = r.method + " " + url.target(r.path) + " HTTP/1.1\r\n";
    out += "Host: " + url.host_header() + "\r\n";
    out += "User-Agent: ssehub/" SSEHUB_VERSION "\r\n";
    out += "Connection: close\r\n";
    for (const auto& [name, value] : r.headers)
        out.append(name).append(": ").append(value).append("\r\n");
    if (!r.body.empty() || r.method == "POST")
        out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
    out += "\r\n";
    out += r.body;
    return out;
}

} // namespace

HttpExchange::HttpExchange(uv_loop_t* loop, const Url& url, Handlers handlers)
    : loop_(loop), url_(url), handlers_(std::move(handlers)) {}

HttpExchange* HttpExchange::start(uv_loop_t* loop, const Url& url, const Request& request,
                                  Handlers handlers, uint64_t timeout_ms,
                                  uint64_t head_timeout_ms) {
    auto* x = new HttpExchange(loop, url, std::move(handlers));
    x->begin(request, timeout_ms, head_timeout_ms);
    return x;
}

void HttpExchange::begin(const Request& request, uint64_t timeout_ms, uint64_t head_timeout_ms) {
    request_bytes_ = serialize(url_, request);
    uv_timer_init(loop_, &timer_);
    timer_.data = this;
    ++open_handles_;
    timeout_ms_ = timeout_ms;
    head_timeout_ms_ = head_timeout_ms;
    if (timeout_ms > 0) deadline_ms_ = uv_now(loop_) + timeout_ms;
    if (head_timeout_ms > 0) head_deadline_ms_ = uv_now(loop_) + head_timeout_ms;
    connect_wait_ms_ = connect_timeout_ms;
    for (uint64_t bound : {timeout_ms, head_timeout_ms})
        if (bound > 0 && bound < connect_wait_ms_) connect_wait_ms_ = bound;
    uv_timer_start(&timer_, on_timer, connect_wait_ms_, 0);

    if (url_.is_unix) {
        uv_pipe_init(loop_, &stream_.pipe, 0);
        stream_.handle.data = this;
        stream_open_ = true;
        ++open_handles_;
        connect_req_.data = this;
        uv_pipe_connect(&connect_req_, &stream_.pipe, url_.socket_path.c_str(), on_connect);
        return;
    }
    sockaddr_storage addr{};
    std::string host = url_.host == "localhost" ? "127.0.0.1" : url_.host;
    if (uv_ip4_addr(host.c_str(), url_.port, reinterpret_cast<sockaddr_in*>(&addr)) == 0 ||
        uv_ip6_addr(host.c_str(), url_.port, reinterpret_cast<sockaddr_in6*>(&addr)) == 0) {
        connect_to(reinterpret_cast<sockaddr*>(&addr));
        return;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    resolve_req_.data = this;
    std::string port = std::to_string(url_.port);
    int err = uv_getaddrinfo(loop_, &resolve_req_, on_resolved, host.c_str(), port.c_str(), &hints);
    if (err != 0) {
        fail_soon("cannot resolve " + url_.host + ": " + uv_strerror(err));
        return;
    }
    resolving_ = true;
}

void HttpExchange::connect_to(const sockaddr* addr) {
    uv_tcp_init(loop_, &stream_.tcp);
    stream_.handle.data = this;
    stream_open_ = true;
    ++open_handles_;
    uv_tcp_nodelay(&stream_.tcp, 1);
    // A subscription may sit idle for hours: let the kernel notice a hub host that vanished.
    uv_tcp_keepalive(&stream_.tcp, 1, 60);
    connect_req_.data = this;
    int err = uv_tcp_connect(&connect_req_, &stream_.tcp, addr, on_connect);
    if (err != 0) fail_soon(describe(err));
}

std::string HttpExchange::describe(int uv_error) const {
    std::string text = "cannot connect to " + url_.text + ": " + uv_strerror(uv_error);
    if (uv_error == UV_ECONNREFUSED || uv_error == UV_ENOENT)
        text += " (is the hub running and listening there?)";
    return text;
}

void HttpExchange::on_resolved(uv_getaddrinfo_t* req, int status, addrinfo* res) noexcept {
    auto* x = static_cast<HttpExchange*>(req->data);
    x->resolving_ = false;
    if (x->closing_) {
        uv_freeaddrinfo(res);
        x->maybe_delete();
        return;
    }
    if (status != 0 || !res) {
        x->finish("cannot resolve " + x->url_.host + ": " + uv_strerror(status));
    } else {
        x->connect_to(res->ai_addr);
    }
    uv_freeaddrinfo(res);
}

void HttpExchange::on_connect(uv_connect_t* req, int status) noexcept {
    auto* x = static_cast<HttpExchange*>(req->data);
    if (x->done_) return;
    if (status != 0) {
        x->finish(x->describe(status));
        return;
    }
    x->on_connected();
}

void HttpExchange::on_connected() {
    connected_ = true;
    arm_timer();
    uv_buf_t buf = uv_buf_init(request_bytes_.data(), static_cast<unsigned>(request_bytes_.size()));
    write_req_.data = this;
    int err = uv_write(&write_req_, &stream_.stream, &buf, 1, on_write);
    if (err == 0) err = uv_read_start(&stream_.stream, on_alloc, on_read);
    if (err != 0) finish("cannot send the request to " + url_.text + ": " + uv_strerror(err));
}

void HttpExchange::on_write(uv_write_t* req, int status) noexcept {
    auto* x = static_cast<HttpExchange*>(req->data);
    // A hub that answers early (413) and closes may make the write fail; the answer is read
    // anyway, so only a failure with nothing read is reported here.
    if (x->done_ || status == 0 || x->reader_.state() != ResponseReader::State::Head) return;
    if (status == UV_EPIPE || status == UV_ECONNRESET) return; // on_read reports it
    x->finish("cannot send the request to " + x->url_.text + ": " + uv_strerror(status));
}

void HttpExchange::on_alloc(uv_handle_t* handle, size_t, uv_buf_t* buf) noexcept {
    auto* x = static_cast<HttpExchange*>(handle->data);
    *buf = uv_buf_init(x->read_buf_, sizeof x->read_buf_);
}

void HttpExchange::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* x = static_cast<HttpExchange*>(stream->data);
    if (x->done_) return;
    if (nread > 0) {
        x->on_bytes(std::string_view(buf->base, static_cast<size_t>(nread)));
    } else if (nread == UV_EOF) {
        x->on_eof();
    } else if (nread < 0) {
        x->finish("connection to " + x->url_.text +
                  " lost: " + uv_strerror(static_cast<int>(nread)));
    }
}

void HttpExchange::on_bytes(std::string_view bytes) {
    std::string body;
    ResponseReader::State state = reader_.feed(bytes, body);
    if (state == ResponseReader::State::Error) {
        finish(reader_.error() + " from " + url_.text);
        return;
    }
    try {
        if (!head_delivered_ && state != ResponseReader::State::Head) {
            head_delivered_ = true;
            arm_timer(); // the head deadline is met
            if (handlers_.on_head) handlers_.on_head(reader_.head());
        }
        if (!done_ && !body.empty() && handlers_.on_body) handlers_.on_body(body);
    } catch (const std::exception& e) {
        finish(e.what());
        return;
    }
    if (!done_ && state == ResponseReader::State::Complete) finish({});
}

void HttpExchange::on_eof() {
    bool had_head = reader_.state() != ResponseReader::State::Head;
    ResponseReader::State state = reader_.finish();
    if (state == ResponseReader::State::Error) {
        finish(had_head ? "connection to " + url_.text + " closed in the middle of the answer"
                        : "connection to " + url_.text + " closed without an answer");
        return;
    }
    finish({});
}

void HttpExchange::on_timer(uv_timer_t* timer) noexcept {
    auto* x = static_cast<HttpExchange*>(timer->data);
    if (x->done_) return;
    if (!x->pending_error_.empty()) {
        std::string error = std::move(x->pending_error_);
        x->finish(error);
    } else if (!x->connected_) {
        x->finish("cannot connect to " + x->url_.text + ": no connection within " +
                  seconds_text(x->connect_wait_ms_));
    } else if (!x->head_delivered_ && x->head_deadline_ms_ != 0 &&
               (x->deadline_ms_ == 0 || x->head_deadline_ms_ <= x->deadline_ms_)) {
        x->finish("no answer from " + x->url_.text + " within " +
                  seconds_text(x->head_timeout_ms_));
    } else {
        x->finish("no complete answer from " + x->url_.text + " within " +
                  seconds_text(x->timeout_ms_));
    }
}

// Once connected: the timer waits for the nearer of the deadlines still ahead.
void HttpExchange::arm_timer() {
    uint64_t deadline = deadline_ms_;
    if (!head_delivered_ && head_deadline_ms_ != 0 &&
        (deadline == 0 || head_deadline_ms_ < deadline))
        deadline = head_deadline_ms_;
    if (deadline == 0) {
        uv_timer_stop(&timer_);
        return;
    }
    uint64_t now = uv_now(loop_);
    uv_timer_start(&timer_, on_timer, deadline > now ? deadline - now : 0, 0);
}

void HttpExchange::fail_soon(std::string error) {
    pending_error_ = std::move(error);
    uv_timer_start(&timer_, on_timer, 0, 0);
}

void HttpExchange::finish(const std::string& error) {
    if (done_) return;
    done_ = true;
    if (handlers_.on_done) {
        try {
            handlers_.on_done(error);
        } catch (const std::exception&) {
            // The caller's handler must not throw into libuv; nothing else to tell.
        }
    }
    close_all();
}

void HttpExchange::cancel() {
    done_ = true;
    close_all();
}

void HttpExchange::close_all() {
    if (closing_) return;
    closing_ = true;
    if (resolving_) uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_req_));
    uv_close(reinterpret_cast<uv_handle_t*>(&timer_), on_close);
    if (stream_open_) {
        stream_open_ = false;
        uv_close(&stream_.handle, on_close);
    }
}

void HttpExchange::on_close(uv_handle_t* handle) noexcept {
    auto* x = static_cast<HttpExchange*>(handle->data);
    --x->open_handles_;
    x->maybe_delete();
}

void HttpExchange::maybe_delete() {
    if (open_handles_ == 0 && !resolving_) delete this;
}

} // namespace ssehub::cli
