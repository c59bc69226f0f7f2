// The shape of an event in the Redis stream, both ways. ssehub writes the fields
//   ssehub=1  event=<type>  data=<data>  [topic=<topic>]  [broadcast=1]
// and reads back only entries of exactly that shape that pass the same validation as a
// publish. Anything else (another program's entries, binary junk) is not an event: readers
// skip it, count it and log it, never crash on it.
#pragma once

#include "sse/event.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct redisReply;

namespace ssehub::redis {

enum class Decoded {
    Event,    // `out` holds the event
    NotOurs,  // out.id is set (the cursor moves past it); `why` says what is wrong
    Malformed // not a stream entry at all (no id): the reply cannot be trusted
};

// One element of an XRANGE/XREAD entry array: [id, [field, value, ...]]. The views in `out`
// point into the reply.
Decoded decode_entry(const redisReply* entry, size_t max_data, sse::Event& out, std::string& why);

// Log lines for skipped entries without flooding the journal: the first, then at most one
// every 10 s, telling how many were skipped meanwhile.
class SkipLog {
  public:
    void skipped(const sse::EventId& id, const std::string& why, uint64_t now_ms);

  private:
    uint64_t last_log_ms_ = 0;
    uint64_t unlogged_ = 0;
    bool logged_once_ = false;
};

} // namespace ssehub::redis
