// The sink of a lone hub: the id source assigns the id and the hub fans the event out, both
// before publish() returns. No allocation and no wait beyond what Hub::publish() does.
#pragma once

#include "sse/event_sink.hpp"
#include "sse/history_log.hpp"
#include "sse/hub.hpp"
#include "sse/id_source.hpp"

namespace ssehub::sse {

class LocalSink final : public EventSink {
  public:
    // `log`: the history log every event is appended to, or null (--history-persist off).
    LocalSink(IdSource& ids, Hub& hub, HistoryLog* log = nullptr)
        : ids_(ids), hub_(hub), log_(log) {}

    PendingPublish* publish(const PublishRequest& request, PublishWaiter& waiter) override;
    // While the id mark cannot be written; asking retries the write (ids_ is not const here).
    std::optional<std::string> unavailable() const override;
    // While the history log cannot be written: events are still taken and delivered live.
    std::optional<std::string> degraded() const override;

  private:
    IdSource& ids_;   // not owned: the server's
    Hub& hub_;        // not owned: the server's
    HistoryLog* log_; // not owned: the server's; null without one
};

} // namespace ssehub::sse
