// The publish-side rules of SPEC.md: what an event type, a topic and event data may contain.
// Everything a publisher sends passes here before it reaches the encoder.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace ssehub::sse {

// What is wrong with an event. The application layer turns it into a status (400 or 413).
struct Rejection {
    enum class Fault { Invalid, TooLarge };
    Fault fault;
    std::string reason; // one line, no trailing newline
};

bool is_valid_utf8(std::string_view s);

// Type and topic: 1..256 bytes of UTF-8, no CR, LF or NUL. Data: UTF-8 text, at most max_data
// bytes; NUL is text like any other character (the event-stream grammar allows it in a data
// line). Types starting "ssehub." are reserved for the hub. No topic (nullopt) is fine; a topic
// that is present but empty is refused like any other bad name.
std::optional<Rejection> validate_event(std::string_view type,
                                        std::optional<std::string_view> topic,
                                        std::string_view data, size_t max_data);

// The rule for a single topic name, shared with subscriptions.
std::optional<std::string> check_name(std::string_view what, std::string_view name);

} // namespace ssehub::sse
