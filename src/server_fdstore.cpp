// A planned restart under systemd: the hand-over of server_handover.cpp, with systemd's file
// descriptor store in place of the taker's socket. SIGUSR2 (NOTIFY_SOCKET set) starts it;
// the drain is the same; each descriptor (listeners, then streams) is stored on its own as
// FDSTORE=1 with FDNAME=ssehub-fd-<n>, and the messages, each as "<length> <descriptors>\n"
// and its bytes, in a memfd stored last as FDNAME=ssehub-state. The hub then exits with
// fdstore_exit_status, which the unit's RestartForceExitStatus= turns into a restart that
// keeps the store (systemd 252 keeps it across automatic restarts only). The next process
// finds ssehub-state among LISTEN_FDNAMES, reads the same messages with the stored
// descriptors in their order, and removes them from the store once adopted.
#include "base/log.hpp"
#include "server_handover.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sys/mman.h>
#include <unistd.h>

#ifdef SSEHUB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ssehub {

namespace {

constexpr const char* state_name = "ssehub-state";
constexpr const char* fd_prefix = "ssehub-fd-";

bool write_all(int fd, const char* data, size_t len) {
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace

void Server::start_fdstore_trigger() {
#ifdef SSEHUB_HAVE_SYSTEMD
    if (!std::getenv("NOTIFY_SOCKET")) return;
    start_handover_tick();
    Handover& h = *handover_;
    uv_signal_init(&loop_, &h.usr2);
    h.usr2.data = this;
    h.usr2_started = true;
    uv_signal_start(
        &h.usr2, [](uv_signal_t* s, int) { static_cast<Server*>(s->data)->on_fdstore_signal(); },
        SIGUSR2);
#endif
}

void Server::on_fdstore_signal() {
    Handover& h = *handover_;
    if (h.draining || h.taker_fd >= 0 || app_->shutting_down()) {
        log::warn("SIGUSR2 ignored: a hand-over is under way or the hub is stopping");
        return;
    }
    h.store_fd = memfd_create("ssehub-state", MFD_CLOEXEC);
    if (h.store_fd < 0) {
        log::error(std::string("SIGUSR2: no memfd for the state: ") + std::strerror(errno));
        return;
    }
    log::info("SIGUSR2: handing over into systemd's file descriptor store");
    h.to_store = true;
    begin_handover();
}

int Server::store_message(const std::string& msg, const std::vector<int>& fds) {
#ifdef SSEHUB_HAVE_SYSTEMD
    Handover& h = *handover_;
    for (int fd : fds) {
        std::string state =
            "FDSTORE=1\nFDNAME=" + std::string(fd_prefix) + std::to_string(h.stored);
        int r = sd_pid_notify_with_fds(0, 0, state.c_str(), &fd, 1);
        if (r <= 0) return r < 0 ? -r : ENOTCONN;
        ++h.stored;
    }
    std::string head = std::to_string(msg.size()) + " " + std::to_string(fds.size()) + "\n";
    if (!write_all(h.store_fd, head.data(), head.size()) ||
        !write_all(h.store_fd, msg.data(), msg.size()))
        return errno ? errno : EIO;
    return 0;
#else
    (void)msg;
    (void)fds;
    return ENOTSUP;
#endif
}

int Server::finish_store() {
#ifdef SSEHUB_HAVE_SYSTEMD
    Handover& h = *handover_;
    std::string state = "FDSTORE=1\nFDNAME=" + std::string(state_name);
    int r = sd_pid_notify_with_fds(0, 0, state.c_str(), &h.store_fd, 1);
    return r > 0 ? 0 : r < 0 ? -r : ENOTCONN;
#else
    return ENOTSUP;
#endif
}

void Server::receive_fdstore() {
#ifdef SSEHUB_HAVE_SYSTEMD
    char** names = nullptr;
    int n = sd_listen_fds_with_names(0, &names); // left set: start_listening() reads them too
    if (n <= 0) return;
    int state = -1;
    std::map<unsigned long, int> stored; // by number: the order they were stored in
    std::vector<std::string> ours;
    for (int i = 0; i < n && names[i]; ++i) {
        std::string name = names[i];
        free(names[i]);
        if (name == state_name) {
            state = SD_LISTEN_FDS_START + i;
            ours.push_back(name);
        } else if (name.starts_with(fd_prefix)) {
            stored[std::strtoul(name.c_str() + std::strlen(fd_prefix), nullptr, 10)] =
                SD_LISTEN_FDS_START + i;
            ours.push_back(name);
        }
    }
    free(names);
    if (state < 0) return; // plain socket activation
    sd_listen_fds(1);      // ours now: no socket activation on top
    std::string all;
    char buf[65536];
    ssize_t got;
    while ((got = pread(state, buf, sizeof buf, static_cast<off_t>(all.size()))) > 0)
        all.append(buf, static_cast<size_t>(got));
    ::close(state);
    size_t at = 0;
    auto next_fd = stored.begin();
    auto next = [&](std::string& msg, std::vector<int>& fds) -> int {
        fds.clear();
        size_t nl = all.find('\n', at);
        if (nl == std::string::npos) return ECONNRESET;
        size_t len = 0, count = 0;
        if (std::sscanf(all.c_str() + at, "%zu %zu", &len, &count) != 2 ||
            len > all.size() - nl - 1)
            return EPROTO;
        msg = all.substr(nl + 1, len);
        at = nl + 1 + len;
        for (; count > 0 && next_fd != stored.end(); --count, ++next_fd)
            fds.push_back(next_fd->second);
        return count == 0 ? 0 : EPROTO;
    };
    auto h = std::make_shared<Handover>();
    std::string refusal = read_handover(next, *h, "systemd's file descriptor store");
    if (!refusal.empty()) throw std::runtime_error("systemd's file descriptor store: " + refusal);
    for (; next_fd != stored.end(); ++next_fd)
        ::close(next_fd->second); // not named in the state: not ours to serve
    h->taken_names = std::move(ours);
    handover_ = std::move(h);
    log::info("taking over from systemd's file descriptor store");
#endif
}

// Once adopted, nothing of the old hub stays in the store: the next restart stores afresh.
void Server::release_fdstore() {
#ifdef SSEHUB_HAVE_SYSTEMD
    if (!handover_) return;
    for (const std::string& name : handover_->taken_names)
        sd_notify(0, ("FDSTOREREMOVE=1\nFDNAME=" + name).c_str());
    handover_->taken_names.clear();
#endif
}

} // namespace ssehub
