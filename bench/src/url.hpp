// The small part of a URL the benchmark needs: http://HOST:PORT/PATH?QUERY with a numeric IPv4
// host (or "localhost"), read by ssehub's one URL parser (src/base/url.hpp). Loopback
// benchmarks need nothing more, and refusing the rest keeps name resolution out of the timed
// path.
#pragma once

#include <netinet/in.h>
#include <string>

namespace bench {

struct Url {
    std::string host; // as given, for the Host header
    uint16_t port = 80;
    std::string target; // path and query, at least "/"
    sockaddr_in addr{};
};

// Throws std::invalid_argument naming the problem.
Url parse_url(const std::string& text);

} // namespace bench
