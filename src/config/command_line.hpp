// argv -> what to run. CLI11 does the parsing; this file only declares the options and turns
// their text into a Config. Usage errors name the option and map to exit status 2.
#pragma once

#include "config/config.hpp"

#include <string>

namespace ssehub::config {

enum class Command { Serve };

struct Invocation {
    Command command = Command::Serve;
    Config serve;
    bool check_config = false;
    // When set, main() prints `message` (stdout for status 0, else stderr) and exits.
    bool exit_now = false;
    int exit_status = 0;
    std::string message;
};

Invocation parse_command_line(int argc, const char* const* argv);

} // namespace ssehub::config
