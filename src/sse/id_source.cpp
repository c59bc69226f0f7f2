#include "sse/id_source.hpp"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace ssehub::sse {

namespace {

std::runtime_error error(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " " + path + ": " + std::strerror(errno));
}

void make_dirs(const std::string& dir) {
    if (dir.empty()) return;
    struct stat st;
    if (stat(dir.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            throw std::runtime_error("state directory " + dir + " is not a directory");
        return;
    }
    size_t slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) make_dirs(dir.substr(0, slash));
    if (mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST)
        throw error("cannot create state directory", dir);
}

} // namespace

std::optional<uint64_t> IdSource::parse_mark(std::string_view text) {
    // Exactly what persist() writes: "mark <ms>\n". Anything else (a sign, an exponent,
    // trailing words, a number past max_mark) means the file is not ours or is damaged.
    if (!text.starts_with("mark ") || !text.ends_with('\n')) return std::nullopt;
    text.remove_prefix(5);
    text.remove_suffix(1);
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
        return std::nullopt;
    uint64_t mark = 0;
    auto r = std::from_chars(text.data(), text.data() + text.size(), mark);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size() || mark > max_mark)
        return std::nullopt;
    return mark;
}

IdSource::IdSource(const std::string& state_dir, uint64_t wall_ms) {
    std::string dir = state_dir.empty() ? "." : state_dir;
    make_dirs(dir);
    path_ = dir + "/ssehub.state";

    uint64_t mark = 0;
    int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char buf[64];
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n < 0) throw error("cannot read state file", path_);
        std::optional<uint64_t> read_mark = parse_mark({buf, static_cast<size_t>(n)});
        if (!read_mark)
            throw std::runtime_error("state file " + path_ +
                                     " is damaged (not 'mark <ms>'); move it away to start a "
                                     "new id sequence");
        mark = *read_mark;
    } else if (errno != ENOENT) {
        throw error("cannot read state file", path_);
    }
    last_ = EventId{mark, 0};
    start_ = last_; // next() issues only ids above it
    persisted_mark_ = mark;
    // Proves the directory is writable now rather than at the first publish.
    if (!persist(std::max(mark, wall_ms) + lease_ms)) throw error("cannot write state file", path_);
}

void IdSource::continue_after(const EventId& id, uint64_t wall_ms) {
    if (id < last_) return;
    last_ = id;
    if (id.ms >= persisted_mark_ && !persist(std::max(id.ms, wall_ms) + lease_ms))
        throw error("cannot write state file", path_);
}

std::optional<EventId> IdSource::next(uint64_t wall_ms) {
    EventId id = wall_ms > last_.ms ? EventId{wall_ms, 0} : EventId{last_.ms, last_.seq + 1};
    if (id.ms >= persisted_mark_ && !persist(id.ms + lease_ms)) {
        failed_at_ms_ = wall_ms;
        return std::nullopt;
    }
    last_ = id;
    return id;
}

std::optional<std::string> IdSource::unwritable(uint64_t wall_ms) {
    if (failure_.empty()) return std::nullopt;
    if (wall_ms - failed_at_ms_ >= 1000 || wall_ms < failed_at_ms_) {
        failed_at_ms_ = wall_ms;
        // The same mark a publish would write now; a higher mark than needed is harmless.
        if (persist(std::max(std::max(wall_ms, last_.ms), persisted_mark_) + lease_ms))
            return std::nullopt;
    }
    return failure_;
}

bool IdSource::failed(const std::string& what) {
    int saved = errno;
    failure_ =
        what + ": " + std::strerror(saved) + "; publishes are refused until it can be written";
    errno = saved; // the caller may log strerror(errno)
    return false;
}

bool IdSource::persist(uint64_t mark) {
    std::string tmp = path_ + ".tmp";
    int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return failed("cannot write state file " + tmp);
    std::string text = "mark " + std::to_string(mark) + "\n";
    errno = 0;
    bool ok =
        write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
    int err = ok ? 0 : (errno != 0 ? errno : ENOSPC); // a short write sets no errno
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp.c_str(), path_.c_str()) != 0) err = errno;
    if (err != 0) {
        unlink(tmp.c_str());
        errno = err;
        return failed("cannot write state file " + path_);
    }
    persisted_mark_ = mark;
    failure_.clear();
    return true;
}

} // namespace ssehub::sse
