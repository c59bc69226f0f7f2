// Restarts without disconnects: one hub hands its listening sockets and its plain HTTP/1.1
// streams to the next, through a Unix SOCK_SEQPACKET socket (--handover-socket on the old,
// --take-over on the new). Only a process of the same user may take over (SO_PEERCRED, both
// ways; the socket is mode 0600).
//
// The conversation, one message each (SCM_RIGHTS for the descriptors, at most 253 a message):
//   new -> old   "ssehub-take-over 1\n"
//   old          stops accepting (keeps its listening sockets open), lets requests under way
//                finish and their connections close, ends the streams that cannot travel
//                with a retry: of their own, waits for the rest to send what is queued (at
//                most --shutdown-grace; a stream still behind then ends normally)
//   old -> new   "ssehub-handover 1\n<position>\n" then "tls\n" or "plain\n" per listener,
//                with the listeners
//   old -> new   the retained events, oldest first, so a resume by id works on the new hub:
//                "event <id> <broadcast> <topic length> <frame length>\n<topic><frame...>",
//                a frame longer than one message going on in "more\n<frame...>" messages
//   old -> new   "streams\n" then per stream "<shared> <topics>\n" and each topic as
//                "<length>\n<bytes>" with the streams' sockets, as often as needed
//   old -> new   "end\n"; the old hub then closes its copies and exits 0.
// A refused or unknown request ("busy" to a second taker) changes nothing on the old side; a
// taker that goes away before "end" is sent leaves the old hub serving on.
// While the old hub drains, publishes wait in the listening sockets' backlog, so the new hub
// assigns every event after the hand-over; each stream carries the old hub's position as its
// resume point (no event after it was published there), and the new hub's ids are above it
// because it reads the id high-water mark only after the old one has stopped publishing.
#include "server_handover.hpp"
#include "base/log.hpp"
#include "net/fd_passing.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <random>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace ssehub {

namespace {

constexpr const char* request_line = "ssehub-take-over 1\n";
constexpr const char* greeting = "ssehub-handover 1\n";
constexpr uint64_t handover_tick_ms = 10;
constexpr size_t max_message = 64 * 1024;
constexpr size_t streams_per_message = 200; // under SCM_MAX_FD (253)
constexpr size_t frame_piece = 48 * 1024;   // well under a Unix socket's default send buffer

std::string why(int err) {
    return std::strerror(err);
}

bool same_user(int fd) {
    ucred cred{};
    socklen_t len = sizeof cred;
    return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == geteuid();
}

sockaddr_un unix_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof addr.sun_path)
        throw std::runtime_error("hand-over socket path '" + path + "' is empty or too long");
    std::memcpy(addr.sun_path, path.data(), path.size());
    return addr;
}

void close_all(std::vector<int>& fds) {
    for (int fd : fds)
        ::close(fd);
    fds.clear();
}

// A stream's state as the conversation above writes it.
void encode(const sse::Subscription& s, std::string& out) {
    out += s.shared ? "1 " : "0 ";
    out += std::to_string(s.topics.size()) + "\n";
    for (const std::string& t : s.topics)
        out += std::to_string(t.size()) + "\n" + t;
}

// Reads up to '\n' from `in` at `at`; false at the end.
bool next_line(const std::string& in, size_t& at, std::string& line) {
    size_t nl = in.find('\n', at);
    if (nl == std::string::npos) return false;
    line = in.substr(at, nl - at);
    at = nl + 1;
    return true;
}

bool decode(const std::string& in, size_t& at, sse::Subscription& s) {
    std::string line;
    if (!next_line(in, at, line) || line.size() < 3 || (line[0] != '0' && line[0] != '1') ||
        line[1] != ' ')
        return false;
    s.shared = line[0] == '1';
    size_t count = std::strtoul(line.c_str() + 2, nullptr, 10);
    if (count > 4096) return false;
    for (size_t i = 0; i < count; ++i) {
        if (!next_line(in, at, line)) return false;
        size_t len = std::strtoul(line.c_str(), nullptr, 10);
        if (len > in.size() - at) return false;
        s.topics.push_back(in.substr(at, len));
        at += len;
    }
    s.adopted = true;
    return true;
}

} // namespace

namespace {

// One retained event: its first message's header `line` and the bytes after it, then as many
// "more" messages as its frame needs.
int receive_event(const Server::NextMessage& next, const std::string& line, std::string rest,
                  Server::Handover& h) {
    char id[64];
    int broadcast = 0;
    size_t topic_len = 0, frame_len = 0;
    if (std::sscanf(line.c_str(), "event %63s %d %zu %zu", id, &broadcast, &topic_len,
                    &frame_len) != 4 ||
        topic_len > rest.size() || frame_len > (64u << 20))
        return EPROTO;
    auto event_id = sse::EventId::parse(id);
    if (!event_id) return EPROTO;
    std::string topic = rest.substr(0, topic_len);
    std::string frame = rest.substr(topic_len);
    std::string msg;
    std::vector<int> fds;
    while (frame.size() < frame_len) {
        int err = next(msg, fds);
        close_all(fds);
        if (err != 0) return err;
        if (!msg.starts_with("more\n")) return EPROTO;
        frame.append(msg, 5);
    }
    if (frame.size() != frame_len) return EPROTO;
    h.taken_events.push_back(sse::RetainedEvent{*event_id, std::move(topic), broadcast != 0,
                                                net::Frame::copy_of(frame)});
    return 0;
}

} // namespace

// ---- the old side ----------------------------------------------------------------------

void Server::start_handover_tick() {
    if (!handover_) handover_ = std::make_shared<Handover>();
    if (handover_->tick_started) return;
    uv_timer_init(&loop_, &handover_->tick);
    handover_->tick.data = this;
    handover_->tick_started = true;
}

void Server::start_handover_socket() {
    start_fdstore_trigger();
    if (config_.handover_socket.empty()) return;
    start_handover_tick();
    Handover& h = *handover_;
    h.path = config_.handover_socket;
    sockaddr_un addr = unix_address(h.path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) throw std::runtime_error("--handover-socket: socket: " + why(errno));
    // A path left by a hub that died is taken over; one a live hub listens on is not.
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 || errno == EAGAIN) {
        ::close(fd);
        throw std::runtime_error("--handover-socket " + h.path + ": another hub listens there");
    }
    unlink(h.path.c_str());
    mode_t old_mask = umask(077); // 0600 from the start: no window where others may connect
    int err = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
    umask(old_mask);
    if (err == 0 && chmod(h.path.c_str(), 0600) != 0) err = errno;
    if (err == 0 && listen(fd, 4) != 0) err = errno;
    if (err != 0) {
        ::close(fd);
        throw std::runtime_error("--handover-socket " + h.path + ": " + why(err));
    }
    h.listen_fd = fd;
    uv_poll_init(&loop_, &h.listen_poll, fd);
    h.listen_poll.data = this;
    uv_poll_start(&h.listen_poll, UV_READABLE, [](uv_poll_t* p, int status, int) {
        if (status == 0) static_cast<Server*>(p->data)->on_handover_request();
    });
    start_handover_tick();
    log::info("hand-over socket " + h.path + " (ssehub serve --take-over " + h.path + ")");
}

void Server::on_handover_request() {
    Handover& h = *handover_;
    int fd = accept4(h.listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    if (!same_user(fd)) {
        log::warn("hand-over refused: the process that asked runs as another user");
        ::close(fd);
        return;
    }
    if (h.taker_fd >= 0 || h.draining || app_->shutting_down()) {
        log::warn("hand-over refused: another one is under way (or the hub is stopping)");
        // Its request read first (it sends it at once; waited for 100 ms at most): a Unix
        // socket closed with unread input resets, and the answer would be lost.
        int flags = fcntl(fd, F_GETFL);
        fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        timeval wait{0, 100000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        char request[64];
        (void)!recv(fd, request, sizeof request, 0);
        send(fd, "busy\n", 5, MSG_NOSIGNAL);
        ::close(fd);
        return;
    }
    h.taker_fd = fd;
    uv_poll_init(&loop_, &h.taker_poll, fd);
    h.taker_poll.data = this;
    h.taker_polled = true;
    uv_poll_start(&h.taker_poll, UV_READABLE | UV_DISCONNECT, [](uv_poll_t* p, int, int) {
        static_cast<Server*>(p->data)->on_taker_readable();
    });
}

void Server::on_taker_readable() {
    Handover& h = *handover_;
    char buf[64];
    ssize_t n = recv(h.taker_fd, buf, sizeof buf, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
    if (h.draining) { // the taker hung up (or talks out of turn): it will not take anything
        abandon_handover("the process taking over went away");
        return;
    }
    if (n <= 0 || std::string(buf, static_cast<size_t>(n)) != request_line) {
        log::warn("hand-over refused: not a take-over request");
        abandon_handover("");
        return;
    }
    begin_handover();
}

void Server::begin_handover() {
    Handover& h = *handover_;
    h.draining = true;
    for (size_t i = 0; i < listeners_.size(); ++i) {
        int fd = listeners_[i]->release();
        if (fd < 0) continue; // it stops; the next hub listens on the others
        h.listener_fds.push_back(fd);
        h.listener_tls.push_back(listening_on_[i].starts_with("tls:"));
    }
    listeners_.clear();
    unsigned window_ms = config_.restart_retry_window_s * 1000;
    connections_->begin_handover([&h, window_ms] {
        // Each stream its own delay, so they come back spread over the window.
        unsigned ms = std::uniform_int_distribution<unsigned>(250, window_ms)(h.random);
        return net::Frame::copy_of("retry: " + std::to_string(ms) + "\n: restarting\n\n");
    });
    h.deadline_ms = uv_now(&loop_) + uint64_t{config_.shutdown_grace_s} * 1000;
    log::info("handing over: " + std::to_string(h.listener_fds.size()) + " listeners and up to " +
              std::to_string(hub_->size()) + " subscribers; draining for up to " +
              std::to_string(config_.shutdown_grace_s) + " s");
    uv_timer_start(
        &h.tick, [](uv_timer_t* t) { static_cast<Server*>(t->data)->on_handover_tick(); },
        handover_tick_ms, handover_tick_ms);
}

void Server::on_handover_tick() {
    Handover& h = *handover_;
    connections_->close_idle(app_->now_ms());
    if (!connections_->handover_ready() && uv_now(&loop_) < h.deadline_ms) return;
    uv_timer_stop(&h.tick);
    complete_handover();
}

void Server::abandon_handover(const std::string& reason) {
    Handover& h = *handover_;
    if (h.taker_polled) {
        uv_close(reinterpret_cast<uv_handle_t*>(&h.taker_poll), nullptr);
        h.taker_polled = false;
    }
    if (h.taker_fd >= 0) ::close(h.taker_fd);
    h.taker_fd = -1;
    if (!h.draining) return;
    h.draining = false;
    uv_timer_stop(&h.tick);
    connections_->end_handover();
    for (size_t i = 0; i < h.listener_fds.size(); ++i) {
        bool tls = h.listener_tls[i];
        try {
            net::Listener* l = net::Listener::adopt(&loop_, h.listener_fds[i], accept_on(tls));
            listeners_.push_back(l);
        } catch (const std::exception& e) {
            log::error(std::string("after an abandoned hand-over: ") + e.what());
        }
    }
    h.listener_fds.clear();
    h.listener_tls.clear();
    log::warn("hand-over abandoned: " + reason + "; serving on");
}

void Server::complete_handover() {
    Handover& h = *handover_;
    std::vector<http1::ConnectionSet::HandedStream> streams = connections_->release_streams();
    std::optional<sse::EventId> at = hub_->position();
    SendMessage send_message;
    if (h.to_store) {
        send_message = [this](const std::string& msg, const std::vector<int>& fds) {
            return store_message(msg, fds);
        };
    } else {
        int flags = fcntl(h.taker_fd, F_GETFL);
        fcntl(h.taker_fd, F_SETFL, flags & ~O_NONBLOCK); // the last thing this hub does: block
        send_message = [fd = h.taker_fd](const std::string& msg, const std::vector<int>& fds) {
            return net::send_with_fds(fd, msg, fds);
        };
    }
    std::string head = std::string(greeting) + (at ? at->to_string() : "-") + "\n";
    for (bool tls : h.listener_tls)
        head += tls ? "tls\n" : "plain\n";
    int err = send_message(head, h.listener_fds);
    const sse::ReplayRing& ring = hub_->ring();
    for (size_t i = 0; err == 0 && i < ring.size(); ++i) {
        const sse::RetainedEvent& e = ring.at(i);
        std::string_view frame(e.frame->data(), e.frame->size());
        std::string msg = "event " + e.id.to_string() + (e.broadcast ? " 1 " : " 0 ") +
                          std::to_string(e.topic.size()) + " " + std::to_string(frame.size()) +
                          "\n" + e.topic;
        size_t first = std::min(frame.size(), frame_piece);
        msg.append(frame.substr(0, first));
        err = send_message(msg, {});
        for (size_t at = first; err == 0 && at < frame.size(); at += frame_piece) {
            msg = "more\n";
            msg.append(frame.substr(at, frame_piece));
            err = send_message(msg, {});
        }
    }
    for (size_t i = 0; err == 0 && i < streams.size(); i += streams_per_message) {
        std::string body = "streams\n";
        std::vector<int> fds;
        for (size_t j = i; j < std::min(streams.size(), i + streams_per_message); ++j) {
            encode(streams[j].state, body);
            fds.push_back(streams[j].fd);
        }
        if (body.size() > max_message) err = EMSGSIZE;
        if (err == 0) err = send_message(body, fds);
    }
    // The path is the successor's from now on: it binds its own there once "end" arrives.
    if (!h.path.empty()) unlink(h.path.c_str());
    // The successor opens the history log once "end" arrives: this hub's is closed first (its
    // Close record says nothing was lost), so the two never write it at once.
    if (history_) history_->close(hub_->newest());
    if (err == 0) err = send_message("end\n", {});
    for (auto& s : streams)
        ::close(s.fd);
    close_all(h.listener_fds);
    // Done with the taker: its hanging up from now on is no abandoned hand-over.
    h.draining = false;
    if (h.taker_polled) uv_close(reinterpret_cast<uv_handle_t*>(&h.taker_poll), nullptr);
    h.taker_polled = false;
    if (h.taker_fd >= 0) ::close(h.taker_fd);
    h.taker_fd = -1;
    if (h.to_store && err == 0) err = finish_store();
    if (err != 0)
        log::error("hand-over failed while sending (" + why(err) +
                   "): " + std::to_string(streams.size()) + " subscribers will reconnect");
    else
        log::info("handed over " + std::to_string(streams.size()) + " subscribers");
    // What did not travel finishes as at shutdown; then exit 0, or, into systemd's store,
    // the status that makes systemd start the next process (RestartForceExitStatus=).
    if (h.to_store) exit_status_ = fdstore_exit_status;
    begin_shutdown(0);
}

void Server::close_handover_handles() {
    if (!handover_) return;
    Handover& h = *handover_;
    if (h.listen_fd >= 0) {
        uv_close(reinterpret_cast<uv_handle_t*>(&h.listen_poll), nullptr);
        ::close(h.listen_fd); // libuv does not own a polled descriptor
        h.listen_fd = -1;
    }
    if (h.taker_polled) uv_close(reinterpret_cast<uv_handle_t*>(&h.taker_poll), nullptr);
    h.taker_polled = false;
    if (h.taker_fd >= 0) ::close(h.taker_fd);
    h.taker_fd = -1;
    if (h.tick_started) uv_close(reinterpret_cast<uv_handle_t*>(&h.tick), nullptr);
    if (h.usr2_started) uv_close(reinterpret_cast<uv_handle_t*>(&h.usr2), nullptr);
    h.usr2_started = false;
    if (h.store_fd >= 0) ::close(h.store_fd);
    h.store_fd = -1;
    h.tick_started = false;
    close_all(h.listener_fds);
}

// ---- the new side ----------------------------------------------------------------------

void Server::receive_handover() {
    const std::string& path = config_.take_over;
    auto fail = [&path](const std::string& what) {
        return std::runtime_error("--take-over " + path + ": " + what +
                                  " (the old hub goes on serving)");
    };
    sockaddr_un addr = unix_address(path);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0) throw fail("socket: " + why(errno));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
        throw fail(errno == EPROTOTYPE ? std::string("not a hub's hand-over socket")
                                       : "connect: " + why(errno));
    if (!same_user(fd)) throw fail("the hub there runs as another user");
    // Bounded: the old hub drains for at most its --shutdown-grace.
    timeval wait{static_cast<time_t>(config_.shutdown_grace_s) + 30, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
    if (send(fd, request_line, std::strlen(request_line), MSG_NOSIGNAL) < 0)
        throw fail("send: " + why(errno));
    auto h = std::make_shared<Handover>();
    std::string refusal = read_handover(
        [fd](std::string& msg, std::vector<int>& fds) {
            return net::receive_with_fds(fd, max_message, msg, fds);
        },
        *h, "--take-over " + path);
    if (!refusal.empty()) throw fail(refusal);
    handover_ = std::move(h);
}

std::string Server::read_handover(const NextMessage& next, Handover& h0, const std::string& what) {
    Handover* h = &h0;
    std::string msg;
    std::vector<int> fds;
    int err = next(msg, fds);
    if (err != 0) return "no answer: " + why(err);
    if (msg == "busy\n") return "another process is taking over from it";
    size_t at = 0;
    std::string line;
    if (!msg.starts_with(greeting) || (at = std::strlen(greeting), !next_line(msg, at, line))) {
        close_all(fds);
        return "not a hub's hand-over socket";
    }
    // From here on the old hub has let go: what arrives is ours, so failures are logged and
    // what did arrive is served.
    h->position = line;
    h->taken_listeners = fds;
    while (next_line(msg, at, line))
        h->taken_tls.push_back(line == "tls");
    h->taken_tls.resize(h->taken_listeners.size());
    for (;;) {
        err = next(msg, fds);
        if (err != 0 || msg == "end\n") break;
        at = 0;
        if (!next_line(msg, at, line)) line.clear();
        if (line.starts_with("event ")) {
            err = receive_event(next, line, msg.substr(at), *h);
            if (err != 0) break;
            continue;
        }
        if (line != "streams") {
            err = EPROTO;
            close_all(fds);
            break;
        }
        size_t i = 0;
        for (; i < fds.size(); ++i) {
            sse::Subscription s;
            if (!decode(msg, at, s)) break;
            if (h->position != "-") s.resume = h->position;
            h->taken_streams.push_back({fds[i], std::move(s)});
        }
        for (; i < fds.size(); ++i)
            ::close(fds[i]);
    }
    if (err != 0)
        log::error(what + ": the hand-over broke off (" + why(err) + "); serving " +
                   std::to_string(h->taken_streams.size()) + " subscribers that arrived");
    return "";
}

void Server::adopt_handover() {
    Handover& h = *handover_;
    if (ids_) {
        auto old = sse::EventId::parse(h.position);
        if (old && !(*old < ids_->start()))
            log::warn("--take-over: the old hub's last id " + h.position +
                      " is not below this one's start: is --state-dir the same?");
    }
    for (size_t i = 0; i < h.taken_listeners.size(); ++i) {
        bool tls = h.taken_tls[i];
        net::Listener* l = net::Listener::adopt(&loop_, h.taken_listeners[i], accept_on(tls));
        h.taken_listeners[i] = -1;
        listeners_.push_back(l);
        listening_on_.push_back((tls ? "tls:" : "") + l->address());
        log::info("listening on " + l->address() + (tls ? " (tls)" : "") + " (taken over)");
    }
    h.taken_listeners.clear();
    // The history first: a stream's resume point is found in it.
    for (auto& e : h.taken_events)
        hub_->adopt_retained(std::move(e));
    h.taken_events.clear();
    size_t adopted = 0;
    for (auto& s : h.taken_streams)
        adopted += connections_->adopt_stream(s.fd, std::move(s.state));
    log::info("took over " + std::to_string(adopted) + " subscribers from " +
              (config_.take_over.empty() ? std::string("systemd's file descriptor store")
                                         : config_.take_over));
    h.taken_streams.clear();
    release_fdstore();
    if (listeners_.empty()) throw std::runtime_error("hand-over: no listening socket came");
}

} // namespace ssehub
