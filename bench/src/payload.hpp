// The bytes each benchmark event carries as its data: "<seq>.<send ns>." padded with 'x' to
// the requested size. Only digits, '.' and 'x', so it needs no escaping in a URL-encoded
// form, a JSON string or a raw body, and survives every server unchanged.
#pragma once

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

namespace bench {

// CLOCK_MONOTONIC is shared by every process on the machine, so worker processes and the
// publisher compare timestamps directly.
inline uint64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000u + static_cast<uint64_t>(ts.tv_nsec);
}

inline std::string make_payload(uint32_t seq, uint64_t sent_ns, size_t size) {
    std::string s = std::to_string(seq);
    s += '.';
    s += std::to_string(sent_ns);
    s += '.';
    if (s.size() < size) s.append(size - s.size(), 'x');
    return s;
}

// Parses the payload's sequence number and timestamp; false for anything else.
inline bool parse_payload(std::string_view data, uint32_t& seq, uint64_t& sent_ns) {
    uint64_t v[2] = {0, 0};
    size_t i = 0;
    for (int field = 0; field < 2; ++field) {
        size_t start = i;
        while (i < data.size() && data[i] >= '0' && data[i] <= '9' && i - start < 20)
            v[field] = v[field] * 10 + static_cast<uint64_t>(data[i++] - '0');
        if (i == start || i >= data.size() || data[i] != '.') return false;
        ++i;
    }
    if (v[0] > UINT32_MAX) return false;
    seq = static_cast<uint32_t>(v[0]);
    sent_ns = v[1];
    return true;
}

} // namespace bench
