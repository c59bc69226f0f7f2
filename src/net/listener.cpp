#include "net/listener.hpp"

#include <fcntl.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ssehub::net {

namespace {

constexpr int backlog = 4096;

std::runtime_error failure(const std::string& spec, const char* what, int err) {
    return std::runtime_error("cannot listen on " + spec + ": " + what + ": " + uv_strerror(err));
}

bool parse_ip(const std::string& spec, sockaddr_storage& out) {
    size_t colon = spec.rfind(':');
    if (colon == std::string::npos) return false;
    std::string host = spec.substr(0, colon);
    std::string port_text = spec.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5 ||
        port_text.find_first_not_of("0123456789") != std::string::npos)
        return false;
    int port = std::stoi(port_text);
    if (port > 65535) return false;
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return uv_ip6_addr(host.substr(1, host.size() - 2).c_str(), port,
                           reinterpret_cast<sockaddr_in6*>(&out)) == 0;
    }
    if (host == "localhost") host = "127.0.0.1";
    return uv_ip4_addr(host.c_str(), port, reinterpret_cast<sockaddr_in*>(&out)) == 0;
}

} // namespace

Listener* Listener::open(uv_loop_t* loop, const std::string& spec, OnConnection on_connection) {
    auto* l = new Listener();
    l->on_connection_ = std::move(on_connection);
    l->h_.handle.data = l;
    int err;
    if (spec.starts_with("unix:")) {
        l->is_unix_ = true;
        l->unix_path_ = spec.substr(5);
        uv_pipe_init(loop, &l->h_.pipe, 0);
        // A socket file left by a previous run that died is stale: replace it. Anything else
        // at that path is not ours to remove.
        struct stat st;
        if (lstat(l->unix_path_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
            unlink(l->unix_path_.c_str());
        err = uv_pipe_bind(&l->h_.pipe, l->unix_path_.c_str());
        if (err == 0) chmod(l->unix_path_.c_str(), 0666);
    } else {
        sockaddr_storage addr{};
        if (!parse_ip(spec, addr)) {
            delete l;
            throw std::runtime_error("cannot listen on " + spec +
                                     ": not ADDR:PORT, [IPv6]:PORT or unix:/path");
        }
        uv_tcp_init(loop, &l->h_.tcp);
        err = uv_tcp_bind(&l->h_.tcp, reinterpret_cast<sockaddr*>(&addr),
                          addr.ss_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
    }
    if (err == 0) err = uv_listen(&l->h_.stream, backlog, Listener::on_connection);
    if (err != 0) {
        l->unix_path_.clear(); // not ours: do not unlink on close
        l->close();
        throw failure(spec, "bind", err);
    }
    return l;
}

Listener* Listener::adopt(uv_loop_t* loop, int fd, OnConnection on_connection) {
    auto* l = new Listener();
    l->on_connection_ = std::move(on_connection);
    l->h_.handle.data = l;
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    int err;
    if (addr.ss_family == AF_UNIX) {
        l->is_unix_ = true;
        uv_pipe_init(loop, &l->h_.pipe, 0);
        err = uv_pipe_open(&l->h_.pipe, fd);
    } else {
        uv_tcp_init(loop, &l->h_.tcp);
        err = uv_tcp_open(&l->h_.tcp, fd);
    }
    if (err == 0) err = uv_listen(&l->h_.stream, backlog, Listener::on_connection);
    if (err != 0) {
        l->close();
        throw failure("fd " + std::to_string(fd), "socket activation", err);
    }
    return l;
}

void Listener::close() {
    if (closing_) return;
    closing_ = true;
    uv_close(&h_.handle, on_close);
}

int Listener::release() {
    uv_os_fd_t fd = -1;
    if (closing_ || uv_fileno(&h_.handle, &fd) != 0) return -1;
    int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return -1;
    unix_path_.clear();
    close();
    return copy;
}

void Listener::on_close(uv_handle_t* handle) noexcept {
    auto* l = static_cast<Listener*>(handle->data);
    if (!l->unix_path_.empty()) unlink(l->unix_path_.c_str());
    delete l;
}

void Listener::on_connection(uv_stream_t* server, int status) noexcept {
    auto* l = static_cast<Listener*>(server->data);
    if (status < 0 || l->closing_) return;
    l->on_connection_(server, l->is_unix_);
}

std::string Listener::address() const {
    if (is_unix_) {
        char path[512];
        size_t len = sizeof path;
        if (uv_pipe_getsockname(&h_.pipe, path, &len) == 0) return "unix:" + std::string(path, len);
        return "unix:" + unix_path_;
    }
    sockaddr_storage addr{};
    int len = sizeof addr;
    uv_tcp_getsockname(&h_.tcp, reinterpret_cast<sockaddr*>(&addr), &len);
    char ip[INET6_ADDRSTRLEN] = "";
    if (addr.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
        uv_ip6_name(a, ip, sizeof ip);
        // Appended piece by piece: GCC 12 at -O3 misreads "[" + std::string(...) as an
        // overlapping copy (-Wrestrict, a false positive).
        std::string out = "[";
        out += ip;
        out += "]:";
        out += std::to_string(ntohs(a->sin6_port));
        return out;
    }
    auto* a = reinterpret_cast<sockaddr_in*>(&addr);
    uv_ip4_name(a, ip, sizeof ip);
    return std::string(ip) + ":" + std::to_string(ntohs(a->sin_port));
}

} // namespace ssehub::net
