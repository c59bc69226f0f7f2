// The options of `ssehub serve` on a CLI11 app, and the checks that turn their text into a
// Config. Only the daemon's options: the client's subcommands are declared in cli/, and cmd/
// puts both on one command line. Usage errors name the option (exit status 2).
#pragma once

#include "config/config.hpp"

#include <string>

namespace CLI {
class App;
}

namespace ssehub::config {

// Option text that becomes a value only after the command line and the config file are read.
struct ServeOptionText {
    std::string history_bytes = "16M", max_header_bytes = "8K", max_event_bytes = "64K",
                max_queued_bytes = "1M", log_level = "info";
};

// Declares every serve option (TLS included) on `serve`, writing into `c` and `text`.
void declare_serve_options(CLI::App& serve, Config& c, ServeOptionText& text);
// After a successful parse: turns `text` into values of `c` and makes the checks across
// options. Returns "" or the usage error.
std::string finish_serve_options(const ServeOptionText& text, Config& c);

} // namespace ssehub::config
