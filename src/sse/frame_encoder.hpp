// Encodes one event into the SSE wire format, once, into a shared Frame. The encoder is the
// only place that writes field names: data is split on every line break (CRLF, LF, lone CR)
// into separate "data:" lines, so no publisher can forge a field or a second event.
// Type and id must already be validated (no CR, LF or NUL).
#pragma once

#include "net/frame.hpp"
#include "sse/event.hpp"

#include <string_view>

namespace ssehub::sse {

// The one way a published event becomes a frame, whatever its source (local, Redis live, the
// ring loaded from Redis, a paged replay): a live frame and a replayed one of the same event are
// byte-equal. A type of "message" is the EventSource default and is left out of the frame. A
// topic, when the event was published to one, goes into a "topic:" field: EventSource ignores
// fields it does not know, and /ssehub.js reads it to hand each event to the tabs that asked
// for its topic (it must be validated too).
net::FrameRef encode_event(const Event& event);

// The hub's own events (ssehub.gap, ssehub.expired): no topic, and no id unless given (the
// resume point of a stream the hub ends, so that a reconnecting EventSource sends it back).
net::FrameRef encode_hub_event(std::string_view type, std::string_view data,
                               const EventId* id = nullptr);

// "retry: <ms>" and an opening comment: the first bytes of every stream.
net::FrameRef encode_stream_open(unsigned retry_ms);

} // namespace ssehub::sse
