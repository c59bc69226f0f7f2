// Layer cli/: the publish, subscribe and stats clients. A client only: it talks to a hub over
// sockets like any other client and includes base/ (and the shared JSON bound) only.
//
// The three client commands. Each returns the exit status: 0 ok, 1 runtime failure (one line
// on stderr already written), 2 usage error. None throws.
#pragma once

#include "cli/client_options.hpp"
#include "cli/url.hpp"

namespace ssehub::cli {

int run_publish(const ClientOptions& options, const Url& url);
int run_subscribe(const ClientOptions& options, const Url& url);
int run_stats(const ClientOptions& options, const Url& url);

// "ssehub: <what>" on stderr, with control characters made visible.
void report(std::string_view what);

} // namespace ssehub::cli
