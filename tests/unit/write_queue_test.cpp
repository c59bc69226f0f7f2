// WriteQueue without a send batch: one frame is held in place and a backlog takes a ring that
// grows, wraps around and is given back when it drains. Whatever the socket takes at each
// step, every frame reaches the peer once and in order. A real socketpair with a small send
// buffer, read a little at a time so the queue is never quite empty for a while.
#include "net/write_queue.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <doctest/doctest.h>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

using namespace ssehub;

namespace {

struct Peer {
    uv_loop_t loop{};
    uv_pipe_t pipe{};
    int reader = -1;
    int failure = 0;
    int drained = 0; // on_done(0) calls: the queue emptied after a backlog
    std::string expected, received;

    Peer() {
        uv_loop_init(&loop);
        int fds[2];
        REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
        int sndbuf = 4096;
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
        fcntl(fds[1], F_SETFL, O_NONBLOCK);
        reader = fds[1];
        uv_pipe_init(&loop, &pipe, 0);
        REQUIRE(uv_pipe_open(&pipe, fds[0]) == 0);
    }
    ~Peer() {
        uv_close(reinterpret_cast<uv_handle_t*>(&pipe), nullptr);
        close(reader);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    uv_stream_t* stream() { return reinterpret_cast<uv_stream_t*>(&pipe); }

    static void on_done(void* owner, int status) {
        auto* p = static_cast<Peer*>(owner);
        if (status < 0)
            p->failure = status;
        else
            ++p->drained;
    }

    void push(net::WriteQueue& q, int number, size_t bytes) {
        std::string text = "<";
        text += std::to_string(number);
        text += '>';
        text.resize(bytes, static_cast<char>('a' + number % 26));
        expected += text;
        CHECK(q.push(net::Frame::copy_of(text)) == 0);
    }

    // Reads at most `most` bytes of what has arrived, after letting libuv write.
    void read_some(size_t most) {
        uv_run(&loop, UV_RUN_NOWAIT);
        char buf[65536];
        while (most > 0) {
            ssize_t n = read(reader, buf, std::min(most, sizeof buf));
            if (n <= 0) break;
            received.append(buf, static_cast<size_t>(n));
            most -= static_cast<size_t>(n);
        }
        uv_run(&loop, UV_RUN_NOWAIT);
    }

    void drain(net::WriteQueue& q) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while ((!q.empty() || received.size() < expected.size()) &&
               std::chrono::steady_clock::now() < deadline)
            read_some(SIZE_MAX);
    }
};

} // namespace

TEST_CASE("write queue: a backlog that grows and wraps its ring keeps every frame once, in order") {
    Peer p;
    net::WriteQueue q(p.stream(), Peer::on_done, &p);
    int number = 0;
    for (int round = 0; round < 40; ++round) {
        // 1 to 7 frames of 300 to 3000 bytes, then the peer reads only part of them: the
        // queue's head moves on while frames are added behind it.
        for (int i = 0; i < 1 + round % 7; ++i)
            p.push(q, number++, 300 + static_cast<size_t>((round * 7 + i * 13) % 10) * 300);
        p.read_some(2500);
    }
    CHECK(q.queued_bytes() > 0); // the test made a backlog, or it proves nothing
    p.drain(q);
    CHECK(p.failure == 0);
    CHECK(q.empty());
    CHECK(p.drained > 0);
    CHECK(p.received.size() == p.expected.size());
    CHECK((p.received == p.expected));

    // Idle again: the next frame goes straight to the socket, and a new backlog works too.
    int before = p.drained;
    p.push(q, number++, 100);
    CHECK(q.empty());
    for (int i = 0; i < 12; ++i)
        p.push(q, number++, 2000);
    p.drain(q);
    CHECK(p.drained > before);
    CHECK((p.received == p.expected));
}

TEST_CASE("write queue: gathered bytes go out as one frame at flush") {
    Peer p;
    net::WriteQueue q(p.stream(), Peer::on_done, &p);
    CHECK(q.flush() == 0); // nothing gathered: nothing written
    q.gather("abc", 3);
    q.gather("def", 3);
    CHECK(q.queued_bytes() == 6);
    CHECK(q.flush() == 0);
    p.expected = "abcdef";
    p.drain(q);
    CHECK(p.received == "abcdef");
    CHECK(q.empty());
}
