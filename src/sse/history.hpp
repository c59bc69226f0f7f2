// Events older than the replay ring, kept by an upstream store (the Redis stream), read a page
// at a time for one resuming subscriber so that a replay never holds much more than that
// subscriber's output bound. The hub asks with fetch(); the store answers later through
// Hub::on_history_page(), never from inside fetch(). Without a store (a lone hub) the ring is
// all the history there is.
#pragma once

#include "sse/event.hpp"
#include "sse/event_id.hpp"

#include <optional>
#include <string_view>
#include <vector>

namespace ssehub::sse {

class Subscriber;

struct HistoryEntry {
    // Its views point into the store's reply: valid only during Hub::on_history_page().
    Event event;
    bool valid = false; // false: not an ssehub event; skipped, but the cursor moves past it
};

struct HistoryPage {
    std::vector<HistoryEntry> entries;  // ascending ids
    bool end = false;                   // the store held nothing after these when it was read
    std::optional<EventId> store_first; // first page only: the oldest id the store holds
};

// One fetch in progress. The store owns it and frees it after answering; the hub keeps a
// pointer on the subscriber and sets `subscriber` to null when the subscriber goes first.
struct HistoryRequest {
    Subscriber* subscriber; // not owned; null once cancelled (the answer is then dropped)
    EventId from;
    bool first; // the first page: includes `from` itself (to tell whether the store holds it)
                // and reports store_first
};

class History {
  public:
    virtual ~History() = default;
    // Asks for the events after `from` (first page: from `from` on), a page of them.
    virtual HistoryRequest* fetch(Subscriber* s, const EventId& from, bool first) = 0;
};

} // namespace ssehub::sse
