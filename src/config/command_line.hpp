// argv -> what to run. CLI11 does the parsing; this file only declares the options and turns
// their text into a Config. Usage errors name the option and map to exit status 2.
#pragma once

#include "cli/client_options.hpp"
#include "config/config.hpp"

#include <string>

namespace ssehub::config {

// Serve runs the hub; Client is one of publish, subscribe or stats (see client.command).
enum class Command { Serve, Client };

struct Invocation {
    Command command = Command::Serve;
    Config serve;
    cli::ClientOptions client;
    bool check_config = false;
    // When set, main() prints `message` (stdout for status 0, else stderr) and exits.
    bool exit_now = false;
    int exit_status = 0;
    std::string message;
};

Invocation parse_command_line(int argc, const char* const* argv);

} // namespace ssehub::config
