#include "cmd/command_line.hpp"

#include "cli/client_commands.hpp"
#include "config/config_file.hpp"
#include "config/serve_options.hpp"

#include <CLI/CLI.hpp>

namespace ssehub::cmd {

Invocation parse_command_line(int argc, const char* const* argv) {
    Invocation inv;
    config::ServeOptionText serve_text;
    CLI::App app("ssehub: a Server-Sent Events hub", "ssehub");
    app.set_version_flag("--version", "ssehub " SSEHUB_VERSION);
    app.require_subcommand(1);
    CLI::App* serve = app.add_subcommand("serve", "Run the hub daemon");
    // Read by apply_config_file() after the command line (CLI11 2.1 reads config files only
    // for the top-level app, and the command line must win over the file).
    std::string config_file;
    serve->add_option("--config", config_file,
                      "Config file: every option is also a key (see ssehub.conf(5))");
    serve->add_flag("--check-config", inv.check_config,
                    "Validate the options and config file, then exit");
    config::declare_serve_options(*serve, inv.serve, serve_text);
    cli::declare_client_commands(app, inv.client);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        inv.exit_now = true;
        inv.message = app.help(); // the chosen subcommand's help when there is one
        return inv;
    } catch (const CLI::CallForVersion&) {
        inv.exit_now = true;
        inv.message = "ssehub " SSEHUB_VERSION "\n";
        return inv;
    } catch (const CLI::ParseError& e) {
        inv.exit_now = true;
        inv.exit_status = 2;
        inv.message = std::string("ssehub: ") + e.what() + "\nRun 'ssehub --help' for usage.\n";
        return inv;
    }
    if (inv.client.command != cli::ClientCommand::None) {
        inv.command = Command::Client;
        return inv;
    }
    if (!config_file.empty()) {
        try {
            config::apply_config_file(*serve, config_file);
        } catch (const CLI::Error& e) {
            // A bad file is a usage error, but --check-config promises 0 or 1.
            inv.exit_now = true;
            inv.exit_status = inv.check_config ? 1 : 2;
            inv.message = std::string("ssehub: ") + e.what() + "\n";
            return inv;
        }
        inv.serve.config_file = config_file;
    }
    std::string bad = config::finish_serve_options(serve_text, inv.serve);
    if (!bad.empty()) {
        inv.exit_now = true;
        inv.exit_status = 2;
        inv.message = "ssehub: " + bad + "\nRun 'ssehub --help' for usage.\n";
        return inv;
    }
    return inv;
}

} // namespace ssehub::cmd
