// One event as the hub receives it, from any source: a local publish, the Redis stream live,
// the stream read back at start-up or page by page for a replay. Every source fills the same
// fields and every frame is encoded from this struct (encode_event), so no source can leave
// a field out of the wire format. Views only: valid during the call that receives it.
#pragma once

#include "sse/event_id.hpp"

#include <string_view>

namespace ssehub::sse {

struct Event {
    EventId id;
    std::string_view type;
    std::string_view data;
    std::string_view topic; // empty: none
    bool broadcast = false; // the legacy signal: reaches every subscriber whatever its topics
};

} // namespace ssehub::sse
