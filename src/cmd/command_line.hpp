// Layer cmd/: subcommand dispatch, the top with main.cpp and server.cpp. The one CLI11 app
// that puts `serve` (config/) and the client commands (cli/) on one command line.
//
// argv -> what to run: `serve` (the daemon's options, from config/) or a client command (its
// options, from cli/). CLI11 does the parsing. Usage errors name the option (exit status 2).
#pragma once

#include "cli/client_options.hpp"
#include "config/config.hpp"

#include <string>

namespace ssehub::cmd {

// Serve runs the hub; Client is one of publish, subscribe or stats (see client.command).
enum class Command { Serve, Client };

struct Invocation {
    Command command = Command::Serve;
    config::Config serve;
    cli::ClientOptions client;
    bool check_config = false;
    // When set, main() prints `message` (stdout for status 0, else stderr) and exits.
    bool exit_now = false;
    int exit_status = 0;
    std::string message;
};

Invocation parse_command_line(int argc, const char* const* argv);

} // namespace ssehub::cmd
