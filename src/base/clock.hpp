// Wall-clock time in milliseconds since the Unix epoch: what event ids and the state file's
// high-water mark are made of. Loop time (uv_now) is for timeouts; this is for ids only.
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
