// The durability side of the history log: fsyncs on libuv's threadpool, settled in the order
// they were issued, and the publishes (--history-fsync always) that wait for them.
#include "base/log.hpp"
#include "sse/history_log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <unistd.h>

namespace ssehub::sse {

void HistoryLog::when_durable(uint64_t n, std::unique_ptr<DurablePublish> publish) {
    if (n <= synced_) {
        publish->answer(true);
        return;
    }
    waiting_.emplace_back(n, std::move(publish));
}

// The records from `first` on failed: their publishes are answered "not stored" now.
void HistoryLog::answer_failed(uint64_t first) {
    while (!waiting_.empty() && waiting_.back().first >= first) {
        std::unique_ptr<DurablePublish> p = std::move(waiting_.back().second);
        waiting_.pop_back();
        p->answer(false);
    }
}

void HistoryLog::answer_through(uint64_t n, bool stored) {
    while (!waiting_.empty() && waiting_.front().first <= n) {
        std::unique_ptr<DurablePublish> p = std::move(waiting_.front().second);
        waiting_.pop_front();
        p->answer(stored);
    }
}

void HistoryLog::request_sync(int fd, bool close_after) {
    auto* r = new SyncRequest{{}, this, fd, close_after, written_, stored_};
    r->req.data = r;
    syncs_.push_back(r);
    if (uv_fs_fsync(loop_, &r->req, fd, on_synced) != 0) {
        r->req.result = -EIO;
        r->done = true;
        settle_syncs();
    }
}

void HistoryLog::on_synced(uv_fs_t* req) noexcept {
    auto* r = static_cast<SyncRequest*>(req->data);
    r->done = true;
    r->log->settle_syncs();
}

// Syncs complete in any order on the threadpool; records count as durable only in the order
// they were written, so the requests are settled oldest first.
void HistoryLog::settle_syncs() {
    while (!syncs_.empty() && syncs_.front()->done) {
        SyncRequest* r = syncs_.front();
        syncs_.pop_front();
        bool ok = r->req.result >= 0;
        if (r->close_after) ::close(r->fd);
        if (ok) {
            synced_ = std::max(synced_, r->through);
            synced_stored_ = std::max(synced_stored_, r->stored);
            answer_through(synced_, true);
        } else {
            // The kernel may have dropped the pages: nothing written so far can be promised.
            ++metrics_.history_write_errors;
            failure_ =
                std::string("fsync failed: ") + std::strerror(static_cast<int>(-r->req.result));
            log::error("history: " + failure_);
            answer_through(r->through, false);
        }
        uv_fs_req_cleanup(&r->req);
        delete r;
    }
    if (syncs_.empty() && sync_wanted_ && fd_ >= 0) {
        sync_wanted_ = false;
        request_sync(fd_, false);
    }
    update_gauges();
}

void HistoryLog::on_sync_timer(uv_timer_t* handle) noexcept {
    auto* log = static_cast<HistoryLog*>(handle->data);
    // Like Redis' everysec: a sync still running postpones the next one.
    if (log->fd_ >= 0 && log->written_ > log->synced_ && log->syncs_.empty())
        log->request_sync(log->fd_, false);
}

} // namespace ssehub::sse
