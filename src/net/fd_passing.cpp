// SCM_RIGHTS over a SOCK_SEQPACKET socket; see fd_passing.hpp.
#include "net/fd_passing.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace ssehub::net {

namespace {

constexpr size_t control_bytes = CMSG_SPACE(sizeof(int) * max_fds_per_message);

} // namespace

int send_with_fds(int sock, const std::string& bytes, const std::vector<int>& fds) {
    if (bytes.empty() || fds.size() > max_fds_per_message) return EINVAL;
    iovec iov{const_cast<char*>(bytes.data()), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[control_bytes];
    if (!fds.empty()) {
        std::memset(control, 0, sizeof control);
        msg.msg_control = control;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
        cmsghdr* c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
        std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    for (;;) {
        ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
        if (n >= 0) return static_cast<size_t>(n) == bytes.size() ? 0 : EMSGSIZE;
        if (errno != EINTR) return errno;
    }
}

int receive_with_fds(int sock, size_t max_bytes, std::string& bytes, std::vector<int>& fds) {
    bytes.assign(max_bytes, '\0');
    fds.clear();
    iovec iov{bytes.data(), bytes.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[control_bytes];
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n;
    do {
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0) return errno;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
        size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        size_t at = fds.size();
        fds.resize(at + count);
        std::memcpy(fds.data() + at, CMSG_DATA(c), count * sizeof(int));
    }
    if (n == 0) return ECONNRESET;
    if (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) {
        for (int fd : fds)
            ::close(fd);
        fds.clear();
        return EMSGSIZE;
    }
    bytes.resize(static_cast<size_t>(n));
    return 0;
}

} // namespace ssehub::net
