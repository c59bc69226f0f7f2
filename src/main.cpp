// argv -> Config -> Server::run(), or argv -> a client command (publish, subscribe, stats).
#include "cmd/command_line.hpp"
#include "server.hpp"

#ifdef SSEHUB_HAVE_TLS
#include "tls/record_buffer_pool.hpp"
#endif

#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <vector>

int main(int argc, char** argv) {
#ifdef SSEHUB_HAVE_TLS
    ssehub::tls::install_record_buffer_pool(); // before anything else calls OpenSSL
#endif
    try {
        ssehub::cmd::Invocation inv = ssehub::cmd::parse_command_line(argc, argv);
        if (inv.exit_now) {
            std::fputs(inv.message.c_str(), inv.exit_status == 0 ? stdout : stderr);
            return inv.exit_status;
        }
        if (inv.command == ssehub::cmd::Command::Client)
            return ssehub::cli::run_client_command(inv.client);
        // SIGHUP parses the same command line again, which re-reads the config file.
        std::vector<std::string> args(argv, argv + argc);
        auto reload = [args](std::string& error) -> std::optional<ssehub::config::Config> {
            std::vector<const char*> again;
            again.reserve(args.size());
            for (const std::string& a : args)
                again.push_back(a.c_str());
            auto next =
                ssehub::cmd::parse_command_line(static_cast<int>(again.size()), again.data());
            if (next.exit_now) {
                error = next.message.substr(0, next.message.find('\n'));
                return std::nullopt;
            }
            return next.serve;
        };
        ssehub::Server server(inv.serve, reload);
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
