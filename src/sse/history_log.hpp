// The replay ring on disk, so that history survives a restart: an append-only log of records
// (history_record.hpp) in segment files <state-dir>/history/00000001.log, 00000002.log, ...
// Each run writes a new segment, rotated by size and count; a segment is deleted once every
// event in it has left the ring, so the disk holds about the ring plus one segment.
//
// Written from the loop, never in the way of fan-out: append() only adds to a batch in memory;
// the batch is written with one write(2) on an O_APPEND descriptor a short tick (write_tick_ms)
// after its first record, or at the end of the loop turn once it passes flush_bytes, and with
// --history-fsync always at the end of every loop turn (the check handle, after the poll that
// read the publishes: those answers wait for the disk anyway). The tick is there because a
// write(2) costs about 2 us of CPU here, which one write per publish would add to every
// publish (measured: bench/results/2026-12-05-history); a tick of 1 ms batches every publish
// of a busy hub and adds at most that to what kill -9 can lose. The write copies into the page
// cache and takes microseconds, so it stays on the loop: uv_fs_write would add a threadpool
// round trip and a wakeup per batch for no gain and keep the batch alive across turns. What
// can block for milliseconds is fsync, and that always runs on libuv's threadpool
// (uv_fs_fsync): after every batch (always; the publishes of a batch are answered when its
// fsync completes), once a second (everysec) or never (no).
//
// A write that fails (disk full, EFBIG past RLIMIT_FSIZE, EIO) is cut back off the file so no
// torn record stays in the middle of it; its events were delivered live and stay in the ring,
// but are counted as not stored, and the next write that works is preceded by a Hole record,
// so a later run knows what is missing. It must never report an event stored that is not.
#pragma once

#include "metrics/metrics.hpp"
#include "sse/event.hpp"
#include "sse/event_sink.hpp"
#include "sse/history_record.hpp"

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <uv.h>
#include <vector>

namespace ssehub::sse {

class Hub;

enum class FsyncPolicy { Always, EverySec, No };

struct HistoryLogOptions {
    std::string dir; // <state-dir>/history
    FsyncPolicy fsync = FsyncPolicy::EverySec;
    size_t segment_bytes = 4u << 20; // a segment is closed past either bound
    size_t segment_events = 1024;
};

// A publish answered only once its record is durable (--history-fsync always).
class DurablePublish final : public PendingPublish {
  public:
    DurablePublish(PublishWaiter& waiter, PublishOutcome outcome)
        : PendingPublish(&waiter), outcome_(std::move(outcome)) {}
    void answer(bool stored) {
        outcome_.stored = stored;
        if (waiter_) waiter_->on_published(outcome_);
    }

  private:
    PublishOutcome outcome_;
};

class HistoryLog {
  public:
    HistoryLog(uv_loop_t* loop, HistoryLogOptions options, metrics::Metrics& metrics);
    ~HistoryLog();
    HistoryLog(const HistoryLog&) = delete;
    HistoryLog& operator=(const HistoryLog&) = delete;

    // At start (history_log_load.cpp): reads every segment in order into the hub's ring (and
    // its holes), truncating a torn or damaged tail with one log line, then opens this run's
    // segment. `first_new_id`: every id this run issues is greater. After a stop that was not
    // clean, the ids between the last stored event and it may have been lost: a hole. Returns
    // the newest stored id. Throws std::runtime_error when the directory cannot be used.
    std::optional<EventId> open(Hub& hub, const EventId& first_new_id);

    // For a run without the log (--history-persist off): removes the segments an earlier run
    // left in `dir`, since they would miss this run's events and a later run would replay
    // across that hole without a gap. Returns how many it removed.
    static size_t discard(const std::string& dir);

    // Adds the event to the batch of this loop turn; returns its record number.
    uint64_t append(const Event& event);
    // Answers `publish` once record `n` is durable, or failed (then stored is false). Owns it.
    void when_durable(uint64_t n, std::unique_ptr<DurablePublish> publish);
    FsyncPolicy policy() const { return options_.fsync; }

    // Writes the batch now (the write tick, or the check handle after a poll; see above).
    void flush();
    // A clean stop: writes what is left and a Close record, fsyncs (on the loop: it is
    // stopping), closes the handles. `newest`: the newest id issued, for a last Hole record
    // if writes were failing.
    void close(const std::optional<EventId>& newest);

    // Why history is not being stored now (for /healthz), or nothing while it is.
    std::optional<std::string> failing() const;

  private:
    struct Segment {
        std::string path;
        std::optional<EventId> last; // newest event in it
        size_t bytes = 0;
    };
    struct SyncRequest { // one fsync on the threadpool (history_log_sync.cpp)
        uv_fs_t req;
        HistoryLog* log;
        int fd;
        bool close_after; // a rotated segment, or the directory
        uint64_t through; // records through this number are durable once it succeeds
        uint64_t stored;  // of them, records written without failure (for the gauge)
        bool done = false;
    };

    static constexpr uint64_t write_tick_ms = 1;
    static constexpr size_t flush_bytes = 64u << 10;
    static void on_check(uv_check_t* handle) noexcept;
    static void on_write_timer(uv_timer_t* handle) noexcept;
    static void on_sync_timer(uv_timer_t* handle) noexcept;
    static void on_synced(uv_fs_t* req) noexcept;

    std::string segment_path(uint64_t number) const;
    bool open_segment(); // this run's next segment; false (failure_ set) if it cannot
    void rotate_if_full();
    void request_sync(int fd, bool close_after);
    void settle_syncs();
    void answer_through(uint64_t n, bool stored);
    void answer_failed(uint64_t first);
    void write_failed(int err, size_t records);
    void trim();
    void append_hole(const EventId& after, const EventId& until);
    void update_gauges();

    uv_loop_t* loop_; // not owned
    HistoryLogOptions options_;
    metrics::Metrics& metrics_; // not owned: outlives the log
    const Hub* hub_ = nullptr;  // not owned: its ring says which segments may go
    uv_check_t check_;
    uv_timer_t write_timer_; // the tick after a batch's first record (everysec, no)
    uv_timer_t sync_timer_;
    bool handles_open_ = false;

    std::vector<Segment> segments_; // oldest first; the last one is written (while fd_ >= 0)
    uint64_t next_segment_ = 1;
    int fd_ = -1;
    size_t segment_records_ = 0;

    std::string batch_;
    size_t batch_records_ = 0;
    std::optional<EventId> batch_first_, batch_last_;
    uint64_t appended_ = 0;      // records appended so far (numbers 1..appended_)
    uint64_t written_ = 0;       // records through this number are written or failed
    uint64_t synced_ = 0;        // records through this number are durable
    uint64_t stored_ = 0;        // records written without failure, a count
    uint64_t synced_stored_ = 0; // of those, how many are durable
    std::optional<EventId> last_written_;
    bool lost_since_written_ = false; // a Hole record must precede the next write

    std::deque<SyncRequest*> syncs_; // in the order issued; settled in that order
    bool sync_wanted_ = false;       // always: a batch was written while a sync ran
    std::deque<std::pair<uint64_t, std::unique_ptr<DurablePublish>>> waiting_;

    std::string failure_;      // empty while writes work
    uint64_t last_log_ms_ = 0; // failed writes are logged at most every 10 s
    uint64_t unlogged_failures_ = 0;
};

} // namespace ssehub::sse
