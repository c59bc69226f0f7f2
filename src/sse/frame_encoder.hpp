// Encodes one event into the SSE wire format, once, into a shared Frame. The encoder is the
// only place that writes field names: data is split on every line break (CRLF, LF, lone CR)
// into separate "data:" lines, so no publisher can forge a field or a second event.
// Type and id must already be validated (no CR, LF or NUL).
#pragma once

#include "sse/event_id.hpp"
#include "sse/frame.hpp"

#include <string_view>

namespace ssehub::sse {

// id may be null (the hub's own ssehub.gap event carries none). A type of "message" is the
// EventSource default and is left out of the frame. A topic, when the event was published to
// one, goes into a "topic:" field: EventSource ignores fields it does not know, and /ssehub.js
// reads it to hand each event to the tabs that asked for its topic (it must be validated too).
FrameRef encode_event(const EventId* id, std::string_view type, std::string_view data,
                      std::string_view topic = {});

// "retry: <ms>" and an opening comment: the first bytes of every stream.
FrameRef encode_stream_open(unsigned retry_ms);

} // namespace ssehub::sse
