#include "config/command_line.hpp"

#include "config/cidr.hpp"
#include "config/size_value.hpp"
#include "config/tls_options.hpp"

#include <CLI/CLI.hpp>
#include <map>

namespace ssehub::config {

namespace {

const CLI::Validator size_check(
    [](std::string& text) -> std::string {
        return parse_size(text) ? std::string() : "'" + text + "' is not a size (bytes, or K/M/G)";
    },
    "SIZE");

const CLI::Validator cidr_check(
    [](std::string& text) -> std::string {
        return Cidr::parse(text) ? std::string() : "'" + text + "' is not an address or CIDR range";
    },
    "CIDR");

const CLI::Validator listen_check(
    [](std::string& text) -> std::string {
        if (text.starts_with("unix:")) return text.size() > 5 ? "" : "unix: needs a path";
        size_t colon = text.rfind(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
            return "'" + text + "' is not ADDR:PORT, [IPv6]:PORT or unix:/path";
        return "";
    },
    "ADDR:PORT");

struct SizeOptions {
    std::string history_bytes = "16M", max_header_bytes = "8K", max_event_bytes = "64K",
                max_queued_bytes = "1M";
};

void declare_serve_options(CLI::App& serve, Config& c, SizeOptions& sizes) {
    serve
        .add_option(
            "--listen", c.listen,
            "Where to accept connections: ADDR:PORT, [IPv6]:PORT or unix:/path (repeatable)")
        ->check(listen_check)
        ->capture_default_str();
    serve.add_option("--state-dir", c.state_dir, "Directory for the event id high-water mark")
        ->capture_default_str();
    serve.add_option("--heartbeat", c.heartbeat_s, "Idle seconds before a heartbeat comment")
        ->check(CLI::Range(1u, 86400u))
        ->capture_default_str();
    serve.add_option("--retry-ms", c.retry_ms, "retry: value sent at stream start (ms)")
        ->check(CLI::Range(0u, 86400000u))
        ->capture_default_str();
    serve.add_option("--history-events", c.history_events, "Events retained for replay")
        ->capture_default_str();
    serve.add_option("--history-bytes", sizes.history_bytes, "Bytes retained for replay (SIZE)")
        ->check(size_check)
        ->capture_default_str();
    serve.add_option("--max-subscribers", c.max_subscribers, "Concurrent subscribers")
        ->capture_default_str();
    serve.add_option("--max-header-bytes", sizes.max_header_bytes, "Request line + headers (SIZE)")
        ->check(size_check)
        ->capture_default_str();
    serve
        .add_option("--max-event-bytes", sizes.max_event_bytes, "Request body / event data (SIZE)")
        ->check(size_check)
        ->capture_default_str();
    serve
        .add_option("--request-timeout", c.request_timeout_s, "Seconds to receive a whole request")
        ->check(CLI::Range(1u, 3600u))
        ->capture_default_str();
    serve
        .add_option("--max-queued-bytes", sizes.max_queued_bytes,
                    "Output queued per subscriber before it is dropped (SIZE)")
        ->check(size_check)
        ->capture_default_str();
    serve
        .add_option("--publish-allow", c.publish_allow,
                    "Peers that may publish without a token (CIDR, repeatable)")
        ->check(cidr_check)
        ->capture_default_str();
    serve.add_option("--token-file", c.token_file, "Bearer tokens for publishing, one a line");
    serve.add_option("--cors-origin", c.cors_origin, "Access-Control-Allow-Origin")
        ->capture_default_str();
    serve.add_option("--shutdown-grace", c.shutdown_grace_s, "Seconds to flush output on SIGTERM")
        ->check(CLI::Range(0u, 3600u))
        ->capture_default_str();
    static const std::map<std::string, LogLevel> levels = {{"error", LogLevel::Error},
                                                           {"warn", LogLevel::Warn},
                                                           {"info", LogLevel::Info},
                                                           {"debug", LogLevel::Debug}};
    serve.add_option("--log-level", c.log_level, "error, warn, info or debug")
        ->transform(CLI::CheckedTransformer(levels, CLI::ignore_case))
        ->default_str("info");
}

void apply_sizes(const SizeOptions& s, Config& c) {
    c.history_bytes = *parse_size(s.history_bytes);
    c.max_header_bytes = *parse_size(s.max_header_bytes);
    c.max_event_bytes = *parse_size(s.max_event_bytes);
    c.max_queued_bytes = *parse_size(s.max_queued_bytes);
}

} // namespace

Invocation parse_command_line(int argc, const char* const* argv) {
    Invocation inv;
    SizeOptions sizes;
    CLI::App app("ssehub: a Server-Sent Events hub", "ssehub");
    app.set_version_flag("--version", "ssehub " SSEHUB_VERSION);
    app.require_subcommand(1);
    CLI::App* serve = app.add_subcommand("serve", "Run the hub daemon");
    serve->set_config("--config", "", "Config file (every option is also a key)");
    serve->add_flag("--check-config", inv.check_config,
                    "Validate the options and config file, then exit");
    declare_serve_options(*serve, inv.serve, sizes);
    declare_tls_options(*serve, inv.serve);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        inv.exit_now = true;
        inv.message = app.help();
        for (CLI::App* sub : app.get_subcommands())
            inv.message = sub->help();
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
    apply_sizes(sizes, inv.serve);
    if (std::string bad = check_tls_options(inv.serve); !bad.empty()) {
        inv.exit_now = true;
        inv.exit_status = 2;
        inv.message = "ssehub: " + bad + "\nRun 'ssehub --help' for usage.\n";
        return inv;
    }
    if (auto* opt = serve->get_option_no_throw("--config"); opt && opt->count() > 0)
        inv.serve.config_file = opt->as<std::string>();
    return inv;
}

} // namespace ssehub::config
