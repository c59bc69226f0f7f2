// The sink of a lone hub: the id source assigns the id and the hub fans the event out, both
// before publish() returns. No allocation and no wait beyond what Hub::publish() does.
#pragma once

#include "sse/event_sink.hpp"
#include "sse/hub.hpp"
#include "sse/id_source.hpp"

namespace ssehub::sse {

class LocalSink final : public EventSink {
  public:
    LocalSink(IdSource& ids, Hub& hub) : ids_(ids), hub_(hub) {}

    PendingPublish* publish(const PublishRequest& request, PublishWaiter& waiter) override;
    // While the id mark cannot be written; asking retries the write (ids_ is not const here).
    std::optional<std::string> unavailable() const override;

  private:
    IdSource& ids_; // not owned: the server's
    Hub& hub_;      // not owned: the server's
};

} // namespace ssehub::sse
