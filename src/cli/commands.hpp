// Layer cli/: the publish, subscribe and stats clients, and `token` and `tls init`. A client
// only: it talks to a hub over sockets like any other client and includes base/ (and the shared
// JSON bound), and auth/ for `token` alone (base64url, the key rules; the signing itself is
// here, see token_signing.hpp). `tls init` makes certificates with OpenSSL and talks to no hub.
//
// The client commands. Each returns the exit status: 0 ok, 1 runtime failure (one line
// on stderr already written), 2 usage error. None throws.
#pragma once

#include "cli/client_options.hpp"
#include "cli/url.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ssehub::cli {

int run_publish(const ClientOptions& options, const Url& url);
int run_subscribe(const ClientOptions& options, const Url& url);
int run_stats(const ClientOptions& options, const Url& url);
// `stats --watch`: a sample every --interval until SIGINT or SIGTERM (exit 0).
int run_stats_watch(const ClientOptions& options, const Url& url);
// Talk to no hub.
int run_token(const ClientOptions& options);
int run_tls_init(const ClientOptions& options);

// The claims `ssehub token` signs: {"ssehub": {"subscribe": [...], "publish": [...]}} (or
// "mercure"), "exp" unless the lifetime is 0, "iat".
std::string token_payload(const TokenRequest& request, int64_t now_s);

// The token of --token-file: the first line that is neither blank nor a '#' comment, without
// the spaces and tabs around it. Sets `error` (one line naming the file) and returns nullopt
// for a file that cannot be read, holds no token, or whose token has a control character.
std::optional<std::string> read_token_file(const std::string& path, std::string& error);

// "ssehub: <what>" on stderr, with control characters made visible.
void report(std::string_view what);

} // namespace ssehub::cli
