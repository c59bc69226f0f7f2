// The lists a connection lives on (waiting for a request or lingering, streaming), and the
// passes over them: request deadlines and shutdown. Split from connection.cpp, which is the
// state machine of one connection.
#include "http/connection.hpp"

#include "log.hpp"

namespace ssehub::http {

void Connection::list_insert(ConnectionList& list) {
    list_ = &list;
    prev_ = list.tail;
    next_ = nullptr;
    if (list.tail)
        list.tail->next_ = this;
    else
        list.head = this;
    list.tail = this;
    ++list.size;
}

void Connection::list_remove() {
    if (!list_) return;
    if (prev_)
        prev_->next_ = next_;
    else
        list_->head = next_;
    if (next_)
        next_->prev_ = prev_;
    else
        list_->tail = prev_;
    --list_->size;
    list_ = nullptr;
    prev_ = next_ = nullptr;
}

void Connection::sweep_deadlines(Context& ctx, uint64_t now_ms) {
    for (Connection* c = ctx.waiting.head; c;) {
        Connection* next = c->next_; // close() unlinks c, never its neighbours
        if (now_ms >= c->deadline_ms_) {
            if (c->state_ == State::Http2) {
                if (c->h2_->open_streams() == 0)
                    c->finish(); // idle HTTP/2: GOAWAY, then close
                else
                    c->h2_->expire_requests(now_ms); // may move c to the end of a list
                c = next;
                continue;
            }
            if (c->awaiting_) {
                ctx.metrics->reject(metrics::Rejected::Timeout);
                log::info("closed connection: publish not confirmed within request-timeout (" +
                          std::to_string(ctx.config.request_timeout_s) + " s)");
            } else if (c->state_ == State::Reading && c->reader_ && c->reader_->started()) {
                ctx.metrics->reject(metrics::Rejected::Timeout);
                log::info("closed connection: request not received within request-timeout (" +
                          std::to_string(ctx.config.request_timeout_s) + " s)");
            }
            c->close();
        }
        c = next;
    }
}

void Connection::finish_all(Context& ctx) {
    for (ConnectionList* list : {&ctx.waiting, &ctx.streaming}) {
        for (Connection* c = list->head; c;) {
            Connection* next = c->next_;
            if (c->state_ == State::Reading && c->out_->empty() && !c->awaiting_)
                c->close(); // idle keep-alive or half a request: nothing to flush
            else if (c->state_ != State::Lingering)
                c->finish();
            c = next;
        }
    }
}

} // namespace ssehub::http
