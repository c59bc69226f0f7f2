// One request, run to completion on a loop of its own: what publish and stats need. The body
// is kept in memory, so it is bounded.
#pragma once

#include "cli/http_client.hpp"

#include <string>

namespace ssehub::cli {

struct FetchResult {
    std::string error; // empty on success: then status, head and body are set
    ResponseHead head;
    std::string body;
};

constexpr size_t max_fetch_body_bytes = size_t{16} << 20;

FetchResult fetch(const Url& url, const Request& request, uint64_t timeout_ms);

// The first line of an error answer, for "publish failed: 400 <reason>"; falls back to the
// status line's reason phrase when the body is empty.
std::string one_line_reason(const FetchResult& r);

} // namespace ssehub::cli
