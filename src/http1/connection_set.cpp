// The passes over every connection: request deadlines, shutdown, the final close. The state
// machine of one connection is connection.cpp.
#include "http1/connection_set.hpp"

#include "base/log.hpp"
#include "http1/connection_parts.hpp"

namespace ssehub::http1 {

ConnectionSet::~ConnectionSet() {
    for (Connection::RequestPhase* p : retired_)
        delete p;
}

void ConnectionSet::flush_now() {
    std::vector<Connection::RequestPhase*> retired;
    retired.swap(retired_);
    for (Connection::RequestPhase* p : retired)
        delete p;
}

void ConnectionSet::accept(uv_stream_t* server, bool is_unix, bool tls) {
    Connection::accept(server, is_unix, *this, tls);
}

void ConnectionSet::sweep_deadlines(uint64_t now_ms) {
    for (Connection* c = waiting_.head; c;) {
        Connection* next = c->list_next; // close() unlinks c, never its neighbours
        if (now_ms >= c->deadline_ms_) c->on_deadline(now_ms);
        c = next;
    }
}

void ConnectionSet::finish_all() {
    for (ConnectionList* list : {&waiting_, &streaming_}) {
        for (Connection* c = list->head; c;) {
            Connection* next = c->list_next;
            c->finish_for_shutdown();
            c = next;
        }
    }
}

void ConnectionSet::close_all() {
    for (ConnectionList* list : {&waiting_, &streaming_})
        while (list->head)
            list->head->close();
}

void Connection::list_insert(ConnectionList& list) {
    list_on_ = &list == &set_.waiting_ ? 1 : 2;
    list.push_back(this);
}

void Connection::list_remove() {
    if (ConnectionList* on = list()) on->remove(this);
    list_on_ = 0;
}

ConnectionList* Connection::list() const {
    return list_on_ == 0 ? nullptr : list_on_ == 1 ? &set_.waiting_ : &set_.streaming_;
}

void Connection::on_deadline(uint64_t now_ms) {
    if (state_ == State::Http2) {
        if (h2()->open_streams() == 0)
            finish(); // idle HTTP/2: GOAWAY, then close
        else
            h2()->expire_requests(now_ms); // may move this to the end of a list
        return;
    }
    const std::string timeout = std::to_string(app().settings().request_timeout_s);
    if (awaiting()) {
        app().metrics().reject(metrics::Rejected::Timeout);
        log::info("closed connection: publish not confirmed within request-timeout (" + timeout +
                  " s)");
    } else if (state_ == State::Reading && phase() && phase()->reader.started()) {
        app().metrics().reject(metrics::Rejected::Timeout);
        log::info("closed connection: request not received within request-timeout (" + timeout +
                  " s)");
    }
    close();
}

void Connection::finish_for_shutdown() {
    if (state_ == State::Reading && out().empty() && !awaiting())
        close(); // idle keep-alive or half a request: nothing to flush
    else if (state_ != State::Lingering)
        finish();
}

} // namespace ssehub::http1
