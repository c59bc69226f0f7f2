// Event ids in the shape of Redis stream ids, "<unix-ms>-<seq>", so that a Redis stream can
// become the id source later without changing what pages see. Ids compare as the pair.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssehub::sse {

struct EventId {
    uint64_t ms = 0;
    uint64_t seq = 0;

    auto operator<=>(const EventId&) const = default;
    std::string to_string() const;
    // Accepts "<ms>-<seq>" and plain "<ms>" (seq 0); digits only, no sign, no spaces.
    static std::optional<EventId> parse(std::string_view text);
};

} // namespace ssehub::sse
