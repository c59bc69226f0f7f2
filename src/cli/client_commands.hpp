// Declares `ssehub publish`, `ssehub subscribe`, `ssehub stats`, `ssehub token` and
// `ssehub tls init` on the program's CLI11 app.
// Only declares options and checks their shape (usage errors, exit 2); running is elsewhere.
#pragma once

#include "cli/client_options.hpp"

namespace CLI {
class App;
}

namespace ssehub::cli {

// Adds the client commands to `app`. After a successful parse, `options.command` says which
// one (if any) was chosen and the rest of `options` holds its arguments.
void declare_client_commands(CLI::App& app, ClientOptions& options);

// `ssehub tls` and its one subcommand, `init` (tls_command_line.cpp).
void declare_tls_command(CLI::App& app, ClientOptions& options);

} // namespace ssehub::cli
