// The wall clock as ssehub stamps events and log lines with it: milliseconds since the Unix
// epoch. Event ids and Redis stream ids are built from it, so every part must read the same
// clock; timers use the loop's monotonic clock instead, never this one.
#pragma once

#include <chrono>
#include <cstdint>

namespace ssehub::base {

inline uint64_t wall_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
}

} // namespace ssehub::base
