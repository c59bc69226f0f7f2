// The writing side of the history log: batches, segments, fsync, failures. Loading at start is
// in history_log_load.cpp.
#include "sse/history_log.hpp"

#include "base/log.hpp"
#include "sse/hub.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace ssehub::sse {

HistoryLog::HistoryLog(uv_loop_t* loop, HistoryLogOptions options, metrics::Metrics& metrics)
    : loop_(loop), options_(std::move(options)), metrics_(metrics) {
    metrics_.history_enabled = true;
}

HistoryLog::~HistoryLog() {
    // close() ran on a clean stop; after a failed start only the descriptor is left.
    if (fd_ >= 0) ::close(fd_);
}

std::string HistoryLog::segment_path(uint64_t number) const {
    char name[32];
    std::snprintf(name, sizeof name, "/%08llu.log", static_cast<unsigned long long>(number));
    return options_.dir + name;
}

bool HistoryLog::open_segment() {
    std::string path = segment_path(next_segment_);
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        failure_ = "cannot create " + path + ": " + std::strerror(errno);
        return false;
    }
    if (::write(fd, segment_magic.data(), segment_magic.size()) !=
        static_cast<ssize_t>(segment_magic.size())) {
        int err = errno ? errno : ENOSPC;
        ::close(fd);
        unlink(path.c_str());
        failure_ = "cannot write " + path + ": " + std::strerror(err);
        return false;
    }
    ++next_segment_;
    fd_ = fd;
    segment_records_ = 0;
    segments_.push_back(Segment{path, std::nullopt, segment_magic.size()});
    metrics_.history_disk_bytes += segment_magic.size();
    // The new name must be durable too, or a power loss could lose the whole file.
    if (options_.fsync != FsyncPolicy::No) {
        int dir = ::open(options_.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir >= 0) request_sync(dir, true);
    }
    return true;
}

void HistoryLog::rotate_if_full() {
    if (fd_ < 0) {
        open_segment();
        return;
    }
    const Segment& current = segments_.back();
    if (current.bytes < options_.segment_bytes && segment_records_ < options_.segment_events)
        return;
    int old = fd_;
    fd_ = -1;
    if (options_.fsync == FsyncPolicy::No)
        ::close(old);
    else
        request_sync(old, true); // closed once synced
    open_segment();
}

uint64_t HistoryLog::append(const Event& event) {
    append_record(batch_, HistoryRecord{RecordKind::Event, event, {}});
    ++batch_records_;
    if (!batch_first_) batch_first_ = event.id;
    batch_last_ = event.id;
    if (handles_open_ && options_.fsync != FsyncPolicy::Always &&
        !uv_is_active(reinterpret_cast<uv_handle_t*>(&write_timer_)))
        uv_timer_start(&write_timer_, on_write_timer, write_tick_ms, 0);
    return ++appended_;
}

void HistoryLog::append_hole(const EventId& after, const EventId& until) {
    append_record(batch_, HistoryRecord{RecordKind::Hole, Event{after, {}, {}, {}}, until});
}

void HistoryLog::flush() {
    if (batch_.empty()) return;
    rotate_if_full();
    std::string batch = std::move(batch_);
    batch_.clear();
    size_t records = batch_records_;
    batch_records_ = 0;
    std::optional<EventId> first = std::exchange(batch_first_, std::nullopt);
    std::optional<EventId> last = std::exchange(batch_last_, std::nullopt);
    if (fd_ < 0) {
        write_failed(0, records);
        return;
    }
    if (lost_since_written_ && first && last_written_) {
        // Events after the last one stored were not written: say so before the next ones.
        std::string hole;
        append_record(hole, HistoryRecord{RecordKind::Hole, Event{*last_written_, {}, {}, {}},
                                          EventId{first->ms, first->seq}});
        batch.insert(0, hole);
    }
    Segment& segment = segments_.back();
    size_t done = 0;
    int err = 0;
    while (done < batch.size()) {
        ssize_t n = ::write(fd_, batch.data() + done, batch.size() - done);
        if (n > 0) {
            done += static_cast<size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            err = n < 0 ? errno : ENOSPC;
            break;
        }
    }
    if (err != 0) {
        // Cut a partial record off, so that what follows a recovery is readable.
        if (done > 0 && ftruncate(fd_, static_cast<off_t>(segment.bytes)) != 0) {
            ::close(fd_); // the tail is torn: the next batch goes to a new segment
            fd_ = -1;
        }
        write_failed(err, records);
        return;
    }
    segment.bytes += batch.size();
    segment_records_ += records;
    if (last) {
        segment.last = last;
        last_written_ = last;
    }
    lost_since_written_ = false;
    written_ = appended_; // every record appended so far is written
    metrics_.history_records_stored += records;
    stored_ += records;
    metrics_.history_disk_bytes += batch.size();
    if (!failure_.empty()) {
        log::info("history: writing to " + segment.path + " works again");
        failure_.clear();
    }
    if (options_.fsync == FsyncPolicy::Always) {
        if (syncs_.empty())
            request_sync(fd_, false);
        else
            sync_wanted_ = true;
    }
    trim();
    update_gauges();
}

void HistoryLog::write_failed(int err, size_t records) {
    ++metrics_.history_write_errors;
    metrics_.history_records_lost += records;
    if (err != 0) failure_ = "cannot write " + segments_.back().path + ": " + std::strerror(err);
    lost_since_written_ = true;
    uint64_t first_failed = written_ + 1;
    written_ = appended_;
    answer_failed(first_failed);
    uint64_t now = uv_now(loop_);
    ++unlogged_failures_;
    if (last_log_ms_ == 0 || now - last_log_ms_ >= 10000) {
        log::error("history: " + failure_ + " (" + std::to_string(unlogged_failures_) +
                   " failed write(s)); events are delivered live but not stored");
        last_log_ms_ = now;
        unlogged_failures_ = 0;
    }
    update_gauges();
}

void HistoryLog::on_check(uv_check_t* handle) noexcept {
    auto* log = static_cast<HistoryLog*>(handle->data);
    if (log->options_.fsync == FsyncPolicy::Always || log->batch_.size() >= flush_bytes)
        log->flush();
}

void HistoryLog::on_write_timer(uv_timer_t* handle) noexcept {
    static_cast<HistoryLog*>(handle->data)->flush();
}

// A segment goes once the ring holds none of its events; the one being written stays.
void HistoryLog::trim() {
    if (!hub_ || segments_.size() < 2) return;
    std::optional<EventId> evicted = hub_->ring().last_evicted();
    while (segments_.size() > 1) {
        const Segment& s = segments_.front();
        if (s.last && !(evicted && *s.last <= *evicted)) break;
        unlink(s.path.c_str());
        metrics_.history_disk_bytes -= std::min(metrics_.history_disk_bytes, s.bytes);
        segments_.erase(segments_.begin());
    }
}

void HistoryLog::update_gauges() {
    metrics_.history_unsynced_records =
        options_.fsync == FsyncPolicy::No ? 0 : stored_ - std::min(stored_, synced_stored_);
    metrics_.history_failing = !failure_.empty();
}

std::optional<std::string> HistoryLog::failing() const {
    if (failure_.empty()) return std::nullopt;
    return "history persistence failing: " + failure_;
}

void HistoryLog::close(const std::optional<EventId>& newest) {
    if (lost_since_written_ && newest && last_written_)
        append_hole(*last_written_, EventId{newest->ms, newest->seq + 1});
    flush();
    if (fd_ >= 0 && failure_.empty()) {
        // Every event is written: a Close record tells the next run nothing was lost.
        std::string close_record;
        append_record(close_record,
                      HistoryRecord{RecordKind::Close,
                                    Event{last_written_.value_or(EventId{}), {}, {}, {}},
                                    {}});
        bool ok = fsync(fd_) == 0 &&
                  ::write(fd_, close_record.data(), close_record.size()) ==
                      static_cast<ssize_t>(close_record.size()) &&
                  fsync(fd_) == 0;
        if (!ok)
            log::error("history: cannot record the clean stop: " +
                       std::string(std::strerror(errno)));
        synced_ = written_;
        synced_stored_ = stored_;
        answer_through(synced_, ok);
    }
    answer_through(appended_, false); // what is left was not stored
    if (fd_ >= 0) {
        // A sync of it still on the threadpool closes it when done (at most one is: a sync of
        // the segment being written is only started when none is running).
        auto in_flight = std::find_if(syncs_.begin(), syncs_.end(),
                                      [&](const SyncRequest* r) { return r->fd == fd_; });
        if (in_flight != syncs_.end())
            (*in_flight)->close_after = true;
        else
            ::close(fd_);
    }
    fd_ = -1;
    update_gauges();
    if (handles_open_) {
        handles_open_ = false;
        uv_close(reinterpret_cast<uv_handle_t*>(&check_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&write_timer_), nullptr);
        uv_close(reinterpret_cast<uv_handle_t*>(&sync_timer_), nullptr);
    }
}

} // namespace ssehub::sse
