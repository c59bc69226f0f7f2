// argv -> Config -> Server::run(), or argv -> a client command (publish, subscribe, stats).
#include "config/command_line.hpp"
#include "server.hpp"

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
    try {
        ssehub::config::Invocation inv = ssehub::config::parse_command_line(argc, argv);
        if (inv.exit_now) {
            std::fputs(inv.message.c_str(), inv.exit_status == 0 ? stdout : stderr);
            return inv.exit_status;
        }
        if (inv.command == ssehub::config::Command::Client)
            return ssehub::cli::run_client_command(inv.client);
        ssehub::Server server(inv.serve);
        if (inv.check_config) {
            std::puts("configuration is valid");
            return 0;
        }
        return server.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "ssehub: %s\n", e.what());
        return 1;
    }
}
