#include "cli/atomic_file.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace ssehub::cli {

namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int err) {
    throw std::runtime_error(what + " " + path + ": " + std::strerror(err));
}

} // namespace

void write_file_atomically(const std::string& dir, const std::string& name,
                           const std::string& bytes, mode_t mode, std::optional<FileOwner> owner) {
    std::string path = dir + "/" + name;
    std::string tmp = dir + "/." + name + ".XXXXXX";
    int fd = mkstemp(tmp.data()); // mode 0600 until fchmod below
    if (fd < 0) fail("cannot create a file in", dir, errno);
    int err = 0;
    if (fchmod(fd, mode) != 0) err = errno;
    if (err == 0 && owner && fchown(fd, owner->uid, owner->gid) != 0) err = errno;
    size_t done = 0;
    while (err == 0 && done < bytes.size()) {
        ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0)
            err = n < 0 ? errno : ENOSPC;
        else
            done += static_cast<size_t>(n);
    }
    if (err == 0 && fsync(fd) != 0) err = errno;
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp.c_str(), path.c_str()) != 0) err = errno;
    if (err != 0) {
        unlink(tmp.c_str());
        fail("cannot write", path, err);
    }
    // The rename itself is durable only once the directory is synced.
    int dir_fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir_fd >= 0) {
        fsync(dir_fd);
        close(dir_fd);
    }
}

std::string read_small_file(const std::string& path, size_t limit) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) fail("cannot read", path, errno);
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        fail("cannot read", path, err);
    }
    if (!S_ISREG(st.st_mode)) { // a FIFO would block
        close(fd);
        throw std::runtime_error("cannot read " + path + ": not a regular file");
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            close(fd);
            fail("cannot read", path, err);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > limit) {
            close(fd);
            throw std::runtime_error("cannot read " + path + ": larger than " +
                                     std::to_string(limit) + " bytes");
        }
    }
    close(fd);
    return out;
}

} // namespace ssehub::cli
