// One hiredis async connection on the hub's own loop (hiredis's libuv adapter: no thread, no
// second event library). open() connects over TCP or a Unix socket and queues the handshake
// (AUTH, SELECT, TYPE of the stream key, PING); the owner hears on_ready() once Redis has
// answered it, or on_lost() (once per open) with a one-line reason.
//
// Lifetime of the hiredis context: made by open(); freed by close(), which the owner calls
// only from a libuv callback of its own and never inside a hiredis callback (hiredis 0.14 frees
// at once from some of its callbacks), or freed by hiredis itself after a failed connect or an
// I/O error, which on_lost() reports. Either way every command still waiting is answered with
// a null reply first, so no ReplyHandler is left waiting.
#pragma once

#include "redis/redis_url.hpp"

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <uv.h>

struct redisAsyncContext;
struct redisReply;

namespace ssehub::redis {

// Something waiting for one reply: called once; reply is null when the connection went first.
class ReplyHandler {
  public:
    virtual void on_reply(redisReply* reply) = 0;

  protected:
    ~ReplyHandler() = default;
};

class Connection {
  public:
    class Owner {
      public:
        virtual void on_ready(Connection& c) = 0;
        virtual void on_lost(Connection& c, const std::string& reason) = 0;

      protected:
        ~Owner() = default;
    };

    Connection(uv_loop_t* loop, Owner& owner, const char* name)
        : loop_(loop), owner_(owner), name_(name) {}
    ~Connection() { close(); }
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // The libuv handle of the connection itself (not of a context): start() once before the
    // first open(), stop() once at the end (it also closes), then let the loop run.
    void start();
    void stop();

    // Starts connecting. A failure that shows at once is reported through on_lost() too.
    // The handshake also checks that `stream` is a stream (or not there yet).
    void open(const RedisUrl& url, const std::string& password, const std::string& stream);
    // Frees the context (pending handlers get null replies). Idempotent.
    void close();

    bool is_open() const { return ac_ != nullptr; }
    bool ready() const { return ready_; }
    const char* name() const { return name_; }

    // Queues a command (binary-safe arguments); handler.on_reply() runs once, later. False when
    // the connection cannot take it: the handler is then never called.
    bool command(ReplyHandler& handler, std::initializer_list<std::string_view> args);
    bool command(ReplyHandler& handler, int argc, const char** argv, const size_t* lens);

    // For the adapter: write queued commands at the end of this loop round rather than on a
    // writable event; false when that is not possible yet (still connecting).
    bool defer_write();

    // For the owner's watchdog: replies awaited, and the loop time of the last progress
    // (a reply, or the first command after a quiet spell).
    size_t outstanding() const { return outstanding_; }
    uint64_t last_progress_ms() const { return last_progress_ms_; }

  private:
    struct Handshake final : ReplyHandler {
        void on_reply(redisReply* reply) override;
        Connection* connection = nullptr;
        int remaining = 0;
        int type_check = 0; // `remaining` when the TYPE reply is due
        const std::string* stream = nullptr;
    };

    static void on_connect(const redisAsyncContext* ac, int status);
    static void on_disconnect(const redisAsyncContext* ac, int status);
    static void on_reply(redisAsyncContext* ac, void* reply, void* privdata);
    static void on_flush(uv_check_t* check) noexcept;
    void lost(const std::string& reason);

    uv_loop_t* loop_;
    Owner& owner_;
    const char* name_;
    redisAsyncContext* ac_ = nullptr; // owned (see the header comment)
    Handshake handshake_;
    size_t outstanding_ = 0;
    uint64_t last_progress_ms_ = 0;
    uv_check_t flush_;
    bool ready_ = false;
    bool lost_reported_ = false;
    bool tcp_ = true;
    bool connected_ = false; // the socket is connected (the handshake may still be running)
    bool flush_pending_ = false;
    bool flushing_ = false;
};

} // namespace ssehub::redis
