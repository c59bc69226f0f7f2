#include "publisher.hpp"

#include "payload.hpp"

#include <cctype>
#include <llhttp.h>

namespace bench {

namespace {

char shared_read_buffer[16 * 1024]; // publisher answers are parsed before on_read returns

constexpr int max_reconnects = 100;

} // namespace

struct Publisher::Connection {
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_write_t write_req;
    llhttp_t http;
    Publisher* owner = nullptr; // not owned: the publisher owns this connection
    std::string request;        // the request being written; kept until its answer
    std::string error_body;     // start of a non-2xx answer, for the error message
    uint32_t seq = 0;
    int reconnects = 0;
    bool up = false;
    bool busy = false;
    bool handle_open = false;

    static int on_body(llhttp_t* p, const char* at, size_t length) {
        auto* c = static_cast<Connection*>(p->data);
        if (p->status_code / 100 != 2 && c->error_body.size() < 200)
            c->error_body.append(at, std::min<size_t>(length, 200 - c->error_body.size()));
        return 0;
    }
    static int on_message_complete(llhttp_t* p) {
        auto* c = static_cast<Connection*>(p->data);
        c->owner->on_answer(*c, p->status_code / 100 == 2, p->status_code);
        return 0;
    }
};

Publisher::Publisher(uv_loop_t* loop, PublisherConfig config, Events events)
    : loop_(loop), config_(std::move(config)), events_(std::move(events)) {
    head_prefix_ = "POST " + config_.url.target + " HTTP/1.1\r\nHost: " + config_.url.host +
                   "\r\nContent-Type: " + config_.content_type + "\r\n";
    for (uint32_t i = 0; i < config_.connections; ++i) {
        conns_.push_back(std::make_unique<Connection>());
        conns_.back()->owner = this;
    }
}

Publisher::~Publisher() = default;

void Publisher::connect() {
    for (auto& c : conns_)
        open(*c);
}

void Publisher::open(Connection& c) {
    uv_tcp_init(loop_, &c.tcp);
    c.tcp.data = &c;
    c.handle_open = true;
    ++handles_open_;
    c.connect_req.data = &c;
    int err = uv_tcp_connect(&c.connect_req, &c.tcp,
                             reinterpret_cast<const sockaddr*>(&config_.url.addr), on_connect);
    if (err != 0) on_broken(c, std::string("cannot connect the publisher: ") + uv_strerror(err));
}

void Publisher::on_connect(uv_connect_t* req, int status) noexcept {
    auto* c = static_cast<Connection*>(req->data);
    if (status == UV_ECANCELED) return;
    if (status < 0) {
        c->owner->on_broken(*c, std::string("cannot connect the publisher to ") +
                                    c->owner->config_.url.host + ": " + uv_strerror(status));
        return;
    }
    c->owner->on_connected(*c);
}

void Publisher::on_connected(Connection& c) {
    static const llhttp_settings_t settings = [] {
        llhttp_settings_t st;
        llhttp_settings_init(&st);
        st.on_body = Connection::on_body;
        st.on_message_complete = Connection::on_message_complete;
        return st;
    }();
    llhttp_init(&c.http, HTTP_RESPONSE, &settings);
    c.http.data = &c;
    uv_tcp_nodelay(&c.tcp, 1);
    if (uv_read_start(reinterpret_cast<uv_stream_t*>(&c.tcp), on_alloc, on_read) != 0) {
        on_broken(c, "cannot read from the publisher connection");
        return;
    }
    c.up = true;
    ++ready_count_;
    if (announced_ready_) {
        events_.reconnected();
    } else if (ready_count_ == conns_.size()) {
        announced_ready_ = true;
        events_.ready();
    }
}

std::string Publisher::render(uint32_t seq, uint64_t sent_ns) const {
    std::string payload = make_payload(seq, sent_ns, config_.event_bytes);
    std::string body;
    const std::string& t = config_.body_template;
    for (size_t i = 0; i < t.size();) {
        if (t.compare(i, 6, "{data}") == 0) {
            body += payload;
            i += 6;
        } else {
            body += t[i++];
        }
    }
    return head_prefix_ + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

bool Publisher::publish(uint32_t seq, uint64_t sent_ns) {
    Connection& c = *conns_[seq % conns_.size()];
    if (!c.up || c.busy) return false;
    c.request = render(seq, sent_ns);
    c.seq = seq;
    c.busy = true;
    c.error_body.clear();
    ++in_flight_;
    uv_buf_t buf = uv_buf_init(c.request.data(), static_cast<unsigned>(c.request.size()));
    int err = uv_write(&c.write_req, reinterpret_cast<uv_stream_t*>(&c.tcp), &buf, 1, on_write);
    if (err != 0) on_broken(c, std::string("publish write failed: ") + uv_strerror(err));
    return true;
}

void Publisher::on_write(uv_write_t* req, int status) noexcept {
    if (status < 0 && status != UV_ECANCELED) {
        auto* c = static_cast<Connection*>(req->handle->data);
        c->owner->on_broken(*c, std::string("publish write failed: ") + uv_strerror(status));
    }
}

void Publisher::on_alloc(uv_handle_t*, size_t, uv_buf_t* buf) noexcept {
    *buf = uv_buf_init(shared_read_buffer, sizeof shared_read_buffer);
}

void Publisher::on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) noexcept {
    auto* c = static_cast<Connection*>(stream->data);
    if (nread < 0) {
        // An idle keep-alive connection the server timed out is simply reopened.
        c->owner->on_broken(*c, std::string("the server closed the publisher connection: ") +
                                    uv_strerror(static_cast<int>(nread)));
        return;
    }
    if (nread == 0) return;
    llhttp_errno_t err = llhttp_execute(&c->http, buf->base, static_cast<size_t>(nread));
    if (err != HPE_OK)
        c->owner->on_broken(*c, std::string("bad answer to a publish: ") + llhttp_errno_name(err));
}

void Publisher::on_answer(Connection& c, bool ok, int status) {
    if (!c.busy) return;
    c.busy = false;
    --in_flight_;
    if (!ok) {
        ++errors_;
        while (!c.error_body.empty() &&
               std::isspace(static_cast<unsigned char>(c.error_body.back())))
            c.error_body.pop_back();
        if (first_error_.empty())
            first_error_ = "event " + std::to_string(c.seq) + ": HTTP " + std::to_string(status) +
                           " " + c.error_body;
    }
    events_.answered(c.seq, ok);
}

void Publisher::on_broken(Connection& c, const std::string& why) {
    bool was_busy = c.busy;
    if (c.busy) {
        c.busy = false;
        --in_flight_;
        ++errors_;
        if (first_error_.empty()) first_error_ = "event " + std::to_string(c.seq) + ": " + why;
    }
    if (c.up) --ready_count_;
    c.up = false;
    if (c.handle_open) {
        c.handle_open = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&c.tcp), on_close);
    }
    if (closing_) return;
    if (++c.reconnects > max_reconnects) {
        events_.failure(why);
        return;
    }
    if (was_busy) events_.answered(c.seq, false);
}

void Publisher::on_close(uv_handle_t* handle) noexcept {
    auto* c = static_cast<Connection*>(handle->data);
    Publisher* p = c->owner;
    --p->handles_open_;
    if (p->closing_) {
        if (p->handles_open_ == 0 && p->closed_) {
            auto done = std::move(p->closed_);
            p->closed_ = nullptr;
            done();
        }
        return;
    }
    if (c->reconnects <= max_reconnects) p->open(*c); // reopen once the old handle is gone
}

void Publisher::close_all(std::function<void()> done) {
    closing_ = true;
    closed_ = std::move(done);
    for (auto& c : conns_) {
        c->up = false;
        if (c->handle_open) {
            c->handle_open = false;
            uv_close(reinterpret_cast<uv_handle_t*>(&c->tcp), on_close);
        }
    }
    if (handles_open_ == 0 && closed_) {
        auto cb = std::move(closed_);
        closed_ = nullptr;
        cb();
    }
}

} // namespace bench
