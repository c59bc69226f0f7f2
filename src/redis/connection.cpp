#include "redis/connection.hpp"

#include <hiredis/adapters/libuv.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <string>
#include <vector>

namespace ssehub::redis {

namespace {

// hiredis 0.14's libuv adapter ignores a poll error (a refused connect, a reset): libuv then
// stops the poll and hiredis never learns, so the connection would hang. As hiredis 1.0's
// adapter does, an error counts as the events being waited for: hiredis then reads or writes
// and meets the error itself. The adapter's attach and cleanup are kept as they are.
void on_poll(uv_poll_t* handle, int status, int events) {
    auto* p = static_cast<redisLibuvEvents*>(handle->data);
    int ready = status ? p->events : events;
    if (p->context && (ready & UV_READABLE)) redisAsyncHandleRead(p->context);
    if (p->context && (ready & UV_WRITABLE)) redisAsyncHandleWrite(p->context);
}

// Every add/del hook used to call uv_poll_start, which costs an epoll_ctl or two even when
// nothing changes; hiredis re-adds reading after every read and write.
void watch(redisLibuvEvents* p, int add, int remove) {
    int events = (p->events | add) & ~remove;
    bool active = uv_is_active(reinterpret_cast<uv_handle_t*>(&p->handle));
    if (events == p->events && (active || events == 0)) return;
    p->events = events;
    if (events)
        uv_poll_start(&p->handle, events, on_poll);
    else
        uv_poll_stop(&p->handle);
}

redisLibuvEvents* events_of(void* privdata) {
    return static_cast<redisLibuvEvents*>(privdata);
}

void add_read(void* p) {
    watch(events_of(p), UV_READABLE, 0);
}
void del_read(void* p) {
    watch(events_of(p), 0, UV_READABLE);
}
void add_write(void* privdata) {
    redisLibuvEvents* p = events_of(privdata);
    auto* c = p->context ? static_cast<Connection*>(p->context->data) : nullptr;
    if (c && c->defer_write()) return;
    watch(p, UV_WRITABLE, 0);
}
void del_write(void* p) {
    watch(events_of(p), 0, UV_WRITABLE);
}

} // namespace

void Connection::open(const RedisUrl& url, const std::string& password, const std::string& stream) {
    close();
    ready_ = false;
    lost_reported_ = false;
    outstanding_ = 0;
    last_progress_ms_ = uv_now(loop_);
    tcp_ = url.kind == RedisUrl::Kind::Tcp;
    redisAsyncContext* ac = url.kind == RedisUrl::Kind::Unix
                                ? redisAsyncConnectUnix(url.path.c_str())
                                : redisAsyncConnect(url.host.c_str(), url.port);
    if (!ac) {
        lost("cannot connect: out of memory");
        return;
    }
    if (ac->err) {
        std::string reason = std::string("cannot connect: ") + ac->errstr;
        redisAsyncFree(ac);
        lost(reason);
        return;
    }
    if (redisLibuvAttach(ac, loop_) != REDIS_OK) {
        redisAsyncFree(ac);
        lost("cannot connect: cannot watch the socket");
        return;
    }
    ac->ev.addRead = add_read;
    ac->ev.delRead = del_read;
    ac->ev.addWrite = add_write;
    ac->ev.delWrite = del_write;
    ac->data = this;
    ac_ = ac;
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);

    // Queued now, sent once connected: Redis answers in order, PING last.
    handshake_.connection = this;
    handshake_.remaining = 0;
    handshake_.type_check = 0;
    bool queued = true;
    if (!password.empty()) {
        if (url.user.empty())
            queued &= command(handshake_, {"AUTH", password});
        else
            queued &= command(handshake_, {"AUTH", url.user, password});
        ++handshake_.remaining;
    }
    if (url.db != 0) {
        std::string db = std::to_string(url.db);
        queued &= command(handshake_, {"SELECT", db});
        ++handshake_.remaining;
    }
    queued &= command(handshake_, {"TYPE", stream});
    handshake_.stream = &stream;
    int type_position = ++handshake_.remaining;
    queued &= command(handshake_, {"PING"});
    ++handshake_.remaining;
    handshake_.type_check = handshake_.remaining - type_position + 1;
    if (!queued) lost("cannot queue the handshake");
}

void Connection::start() {
    uv_check_init(loop_, &flush_);
    flush_.data = this;
}

void Connection::stop() {
    close();
    uv_close(reinterpret_cast<uv_handle_t*>(&flush_), nullptr);
}

// Commands queued while the loop handles this round of input are written together when the
// round is over (libuv's check phase), in one write(), without asking epoll whether the socket
// is writable first. Only what the socket does not take waits for a writable event.
bool Connection::defer_write() {
    if (!connected_ || flushing_) return false;
    if (!flush_pending_) {
        flush_pending_ = true;
        uv_check_start(&flush_, on_flush);
    }
    return true;
}

void Connection::on_flush(uv_check_t* check) noexcept {
    auto* c = static_cast<Connection*>(check->data);
    uv_check_stop(check);
    c->flush_pending_ = false;
    if (!c->ac_) return;
    c->flushing_ = true; // what is left after this write waits for a writable event
    redisAsyncHandleWrite(c->ac_);
    c->flushing_ = false;
}

void Connection::close() {
    if (flush_pending_) {
        uv_check_stop(&flush_);
        flush_pending_ = false;
    }
    connected_ = false;
    if (!ac_) return;
    redisAsyncContext* ac = ac_;
    ac_ = nullptr;
    ready_ = false;
    outstanding_ = 0;
    ac->data = nullptr; // from here on, callbacks know the close was ours
    redisAsyncFree(ac); // runs every pending handler with a null reply
}

bool Connection::command(ReplyHandler& handler, std::initializer_list<std::string_view> args) {
    const char* argv[8];
    size_t lens[8];
    int argc = 0;
    for (std::string_view a : args) {
        if (argc == 8) return false;
        argv[argc] = a.data();
        lens[argc++] = a.size();
    }
    return command(handler, argc, argv, lens);
}

bool Connection::command(ReplyHandler& handler, int argc, const char** argv, const size_t* lens) {
    if (!ac_) return false;
    if (redisAsyncCommandArgv(ac_, on_reply, &handler, argc, argv, lens) != REDIS_OK) return false;
    if (outstanding_++ == 0) last_progress_ms_ = uv_now(loop_);
    return true;
}

void Connection::on_reply(redisAsyncContext* ac, void* reply, void* privdata) {
    if (auto* c = static_cast<Connection*>(ac->data)) {
        if (c->outstanding_ > 0) --c->outstanding_;
        c->last_progress_ms_ = uv_now(c->loop_);
    }
    static_cast<ReplyHandler*>(privdata)->on_reply(static_cast<redisReply*>(reply));
}

void Connection::Handshake::on_reply(redisReply* reply) {
    if (!reply || connection->lost_reported_) return; // the loss is reported on its own
    if (reply->type == REDIS_REPLY_ERROR) {
        connection->lost(std::string(reply->str, reply->len));
        return;
    }
    // Replies come in order: `remaining` counts down to the TYPE reply's turn.
    std::string_view type(reply->str ? reply->str : "", reply->str ? reply->len : 0);
    if (remaining == type_check && type != "stream" && type != "none") {
        connection->lost("key " + *stream + " holds a " + std::string(type) +
                         ", not a stream; use another --redis-stream or delete the key");
        return;
    }
    if (--remaining == 0) {
        connection->ready_ = true;
        connection->owner_.on_ready(*connection);
    }
}

void Connection::on_connect(const redisAsyncContext* ac, int status) {
    auto* c = static_cast<Connection*>(ac->data);
    if (!c) return;
    if (status != REDIS_OK) {
        c->ac_ = nullptr; // hiredis frees it when this returns
        c->ready_ = false;
        c->connected_ = false;
        c->lost(std::string("cannot connect: ") + (ac->errstr ? ac->errstr : "unknown error"));
        return;
    }
    c->connected_ = true;
    // Notices a Redis host that vanished without a word; sets an error on a Unix socket.
    if (c->tcp_) redisEnableKeepAlive(const_cast<redisContext*>(&ac->c));
}

void Connection::on_disconnect(const redisAsyncContext* ac, int) {
    auto* c = static_cast<Connection*>(ac->data);
    if (!c) return;   // our own close()
    c->ac_ = nullptr; // hiredis frees it when this returns
    c->ready_ = false;
    c->lost(ac->err && ac->errstr ? std::string("connection lost: ") + ac->errstr
                                  : std::string("connection closed by the server"));
}

void Connection::lost(const std::string& reason) {
    if (lost_reported_) return;
    lost_reported_ = true;
    owner_.on_lost(*this, reason);
}

} // namespace ssehub::redis
