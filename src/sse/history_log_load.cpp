// Reading the history log at start: every segment in order, into the hub's ring. A record that
// is torn (the run died in the middle of a write) or damaged (bad checksum, bad length) ends
// what is read of its segment: the file is truncated there, with one log line naming the file
// and the offset, and the hub starts with the intact prefix. Events that follow in later
// segments are kept, with a hole where the lost ones were.
#include "base/log.hpp"
#include "sse/event_validation.hpp"
#include "sse/history_log.hpp"
#include "sse/hub.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <stdexcept>
#include <sys/stat.h>
#include <unistd.h>

namespace ssehub::sse {

namespace {

// Segment numbers of the files named like 00000001.log, ascending.
std::vector<uint64_t> segment_numbers(const std::string& dir) {
    DIR* d = opendir(dir.c_str());
    if (!d) throw std::runtime_error("cannot read " + dir + ": " + std::strerror(errno));
    std::vector<uint64_t> numbers;
    while (dirent* e = readdir(d)) {
        std::string_view name = e->d_name;
        if (name.size() != 12 || !name.ends_with(".log")) continue;
        std::string_view digits = name.substr(0, 8);
        if (digits.find_first_not_of("0123456789") != std::string_view::npos) continue;
        numbers.push_back(std::stoull(std::string(digits)));
    }
    closedir(d);
    std::sort(numbers.begin(), numbers.end());
    return numbers;
}

bool read_file(const std::string& path, std::string& out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out.clear();
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) != 0) {
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ::close(fd);
            return false;
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return true;
}

// A record goes to the encoder as a published event does, so it must pass the same rules: the
// checksum proves only that the bytes are the ones written, not who wrote them.
bool publishable(const Event& e) {
    std::optional<std::string_view> topic;
    if (!e.topic.empty()) topic = e.topic;
    return !validate_event(e.type, topic, e.data, max_record_payload);
}

} // namespace

size_t HistoryLog::discard(const std::string& dir) {
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) return 0; // no earlier log
    size_t removed = 0;
    for (uint64_t n : segment_numbers(dir)) {
        char name[32];
        std::snprintf(name, sizeof name, "/%08llu.log", static_cast<unsigned long long>(n));
        removed += unlink((dir + name).c_str()) == 0;
    }
    return removed;
}

std::optional<EventId> HistoryLog::open(Hub& hub, const EventId& first_new_id) {
    hub_ = &hub;
    if (mkdir(options_.dir.c_str(), 0750) != 0 && errno != EEXIST)
        throw std::runtime_error("cannot create " + options_.dir + ": " + std::strerror(errno));
    std::vector<uint64_t> numbers = segment_numbers(options_.dir);

    std::optional<EventId> last;                    // the newest event read
    std::vector<std::pair<EventId, EventId>> holes; // (after, until): ids lost between
    bool cut = false;             // a damaged segment ended early: a hole before what follows
    bool clean = numbers.empty(); // no earlier run, or its segment ends with Close
    std::string bytes;
    for (size_t k = 0; k < numbers.size(); ++k) {
        std::string path = segment_path(numbers[k]);
        next_segment_ = numbers[k] + 1;
        if (!read_file(path, bytes))
            throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno));
        size_t at = 0;
        bool damaged = false;
        RecordKind last_kind = RecordKind::Hole;
        std::optional<EventId> segment_last;
        if (bytes.size() < segment_magic.size() ||
            std::string_view(bytes).substr(0, segment_magic.size()) != segment_magic) {
            damaged = true;
        } else {
            at = segment_magic.size();
            while (at < bytes.size()) {
                DecodedRecord d = decode_record(std::string_view(bytes).substr(at));
                const HistoryRecord& r = d.record;
                if (d.status == DecodeStatus::Ok && r.kind == RecordKind::Event &&
                    ((last && r.event.id <= *last) || !publishable(r.event)))
                    d.status = DecodeStatus::Corrupt; // ids only grow; the encoder needs this
                if (d.status != DecodeStatus::Ok) {
                    damaged = true;
                    break;
                }
                if (r.kind == RecordKind::Event) {
                    if (cut && last) holes.emplace_back(*last, r.event.id);
                    cut = false;
                    hub.retain(r.event);
                    last = segment_last = r.event.id;
                } else if (r.kind == RecordKind::Hole) {
                    holes.emplace_back(r.event.id, r.until);
                }
                last_kind = r.kind;
                at += d.size;
            }
        }
        if (damaged) {
            log::warn("history: " + path + ": torn or damaged record at offset " +
                      std::to_string(at) + "; truncated there (" +
                      std::to_string(bytes.size() - at) + " bytes dropped)");
            if (truncate(path.c_str(), static_cast<off_t>(at)) != 0)
                throw std::runtime_error("cannot truncate " + path + ": " + std::strerror(errno));
            bytes.resize(at);
            cut = true;
        }
        if (k + 1 == numbers.size()) clean = !damaged && last_kind == RecordKind::Close;
        if (at <= segment_magic.size()) {
            unlink(path.c_str()); // holds nothing
            continue;
        }
        segments_.push_back(Segment{path, segment_last, at});
        metrics_.history_disk_bytes += at;
    }
    if (!clean && last) {
        // The last run stopped without its Close record: what it issued after the last stored
        // event may be lost.
        EventId next_after_last{last->ms, last->seq + 1};
        holes.emplace_back(*last, std::max(first_new_id, next_after_last));
        log::warn("history: the last run did not stop cleanly; events after " + last->to_string() +
                  " may be lost (resuming clients get ssehub.gap)");
    }
    if (last)
        log::info("history: loaded " + std::to_string(hub.ring().size()) + " events up to " +
                  last->to_string() + " from " + options_.dir);

    if (!open_segment()) throw std::runtime_error("history: " + failure_);
    // Every hole a resume may still cross is recorded again in this run's segment: the
    // damaged part a cut stands for is gone, and older segments (with their Hole records) go
    // as the ring moves on, so the next start must find them here.
    std::sort(holes.begin(), holes.end());
    holes.erase(std::unique(holes.begin(), holes.end()), holes.end());
    std::optional<EventId> evicted = hub.ring().last_evicted();
    for (auto& [after, until] : holes) {
        if (evicted && after < *evicted) continue; // older than the ring: a gap anyway
        hub.add_hole(after, until);
        append_hole(after, until);
    }
    last_written_ = last;
    flush();

    uv_check_init(loop_, &check_);
    check_.data = this;
    uv_check_start(&check_, on_check);
    uv_timer_init(loop_, &write_timer_);
    write_timer_.data = this;
    uv_timer_init(loop_, &sync_timer_);
    sync_timer_.data = this;
    if (options_.fsync == FsyncPolicy::EverySec)
        uv_timer_start(&sync_timer_, on_sync_timer, 1000, 1000);
    handles_open_ = true;
    trim();
    return last;
}

} // namespace ssehub::sse
