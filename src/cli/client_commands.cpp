#include "cli/client_commands.hpp"

#include "cli/url.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdlib>
#include <functional>

namespace ssehub::cli {

namespace {

const CLI::Validator url_check(
    [](std::string& text) -> std::string {
        std::string error;
        return parse_url(text, error) ? std::string() : error;
    },
    "");

// Tokens and ids go into header lines: CR, LF and other control bytes would forge headers.
const CLI::Validator header_value_check(
    [](std::string& text) -> std::string {
        for (char c : text)
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
                return "contains a control character (CR, LF, NUL...), which cannot be sent in "
                       "a header";
        return {};
    },
    "");

const CLI::Validator stdin_marker_check(
    [](std::string& text) -> std::string {
        return text == "-" ? std::string()
                           : "unexpected argument '" + text +
                                 "': only '-' (read the data from standard input) may stand here";
    },
    "");

const CLI::Validator at_least_one(
    [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 18 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || text.find_first_not_of('0') == std::string::npos)
            return "'" + text + "' is not a whole number of at least 1";
        text = std::to_string(std::stoull(text)); // CLI11 would read a leading 0 as octal
        return {};
    },
    "");

// Seconds: a finite decimal number from 0 to max. CLI::Range alone lets "nan" through (no
// comparison with NaN is true).
CLI::Validator seconds_up_to(double max) {
    return CLI::Validator(
        [max](std::string& text) -> std::string {
            char* end = nullptr;
            double v = text.empty() ? -1 : std::strtod(text.c_str(), &end);
            bool ok = end == text.c_str() + text.size() &&
                      text.find_first_not_of("0123456789.") == std::string::npos &&
                      std::isfinite(v) && v >= 0 && v <= max;
            return ok ? std::string()
                      : "'" + text + "' is not a number of seconds from 0 to " +
                            std::to_string(static_cast<long>(max));
        },
        "");
}

const CLI::Validator timeout_check(
    [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 4 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
        unsigned v = digits ? static_cast<unsigned>(std::stoul(text)) : 0;
        if (v < 1 || v > 3600) return "'" + text + "' is not a whole number from 1 to 3600";
        text = std::to_string(v); // CLI11 would read a leading 0 as octal
        return {};
    },
    "");

// --token, $SSEHUB_TOKEN and --token-file. The variable is read here rather than by CLI11's
// envname(): CLI11 counts an option filled from the environment as given, so a --token-file
// would clash with a SSEHUB_TOKEN the user merely has exported. The file wins over the variable
// (what is typed beats what is inherited); --token and --token-file together are a usage error.
// Returns what the command's callback must call once the command line is parsed.
std::function<void()> add_connection_options(CLI::App& cmd, ClientOptions& o) {
    cmd.add_option("--url", o.url, "Hub to talk to: http://HOST[:PORT][/PREFIX] or unix:/path")
        ->check(url_check)
        ->type_name("URL")
        ->capture_default_str();
    CLI::Option* token =
        cmd.add_option("--token", o.token,
                       "Bearer token sent as 'Authorization: Bearer TOKEN' (default: "
                       "$SSEHUB_TOKEN)")
            ->check(header_value_check)
            ->type_name("TOKEN");
    CLI::Option* file =
        cmd.add_option("--token-file",
                       "Read the bearer token from FILE: its first line that is neither blank "
                       "nor a # comment, trimmed")
            ->type_name("FILE");
    // Checked here, not with excludes(): that would clutter both lines of --help.
    return [&o, token, file] {
        if (file->count() && token->count()) throw CLI::ExcludesError("--token-file", "--token");
        if (file->count()) {
            o.token_file = file->as<std::string>();
            return;
        }
        if (token->count()) return;
        const char* env = std::getenv("SSEHUB_TOKEN");
        if (!env) return;
        std::string value = env;
        std::string bad = header_value_check(value);
        if (!bad.empty()) throw CLI::ValidationError("SSEHUB_TOKEN", bad);
        o.token = value;
    };
}

void declare_publish(CLI::App& app, ClientOptions& o) {
    CLI::App* cmd = app.add_subcommand("publish", "Publish one event to a running hub; print "
                                                  "the id it was given");
    auto finish_connection = add_connection_options(*cmd, o);
    CLI::Option* event =
        cmd->add_option("--event", "Event type (the hub's default: message)")->type_name("TYPE");
    CLI::Option* topic =
        cmd->add_option("--topic", "Topic to publish to (default: none)")->type_name("TOPIC");
    CLI::Option* data = cmd->add_option("--data", "Event data, sent as given (may hold newlines)")
                            ->type_name("DATA");
    CLI::Option* file =
        cmd->add_option("--data-file",
                        "Read the event data from FILE (one trailing newline is dropped)")
            ->type_name("FILE");
    CLI::Option* from_stdin =
        cmd->add_option("stdin", "Give '-' to read the event data from standard input (one "
                                 "trailing newline is dropped)")
            ->check(stdin_marker_check)
            ->type_name("-");
    data->excludes(file)->excludes(from_stdin);
    file->excludes(from_stdin);
    cmd->callback([&o, finish_connection, event, topic, data, file, from_stdin] {
        o.command = ClientCommand::Publish;
        finish_connection();
        if (event->count()) o.event = event->as<std::string>();
        if (topic->count()) o.topic = topic->as<std::string>();
        if (data->count()) o.data = data->as<std::string>();
        if (file->count()) o.data_file = file->as<std::string>();
        o.data_from_stdin = from_stdin->count() > 0;
    });
}

void declare_subscribe(CLI::App& app, ClientOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "subscribe", "Print the events of a running hub as they arrive; reconnect and resume "
                     "when the connection drops");
    auto finish_connection = add_connection_options(*cmd, o);
    cmd->add_option("--topic", o.topics, "Receive only events of this topic (repeatable)")
        ->type_name("TOPIC");
    CLI::Option* last_id =
        cmd->add_option("--last-event-id", "Resume after this event id (sent as Last-Event-ID)")
            ->check(header_value_check)
            ->type_name("ID");
    cmd->add_flag("--json", o.json, "One JSON object a line: {\"id\":..,\"event\":..,\"data\":..}");
    cmd->add_option("--max-events", o.max_events, "Exit 0 after printing N events")
        ->transform(at_least_one)
        ->type_name("N");
    cmd->add_option("--timeout", o.timeout_s,
                    "Seconds to connect and receive the answer's headers, on each (re)connect; "
                    "the stream itself may then stay idle for any time")
        ->transform(timeout_check)
        ->type_name("SECONDS")
        ->capture_default_str();
    cmd->callback([&o, finish_connection, last_id] {
        o.command = ClientCommand::Subscribe;
        finish_connection();
        if (last_id->count()) o.last_event_id = last_id->as<std::string>();
    });
}

void declare_stats(CLI::App& app, ClientOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "stats", "Summarise a running hub's /metrics: subscribers, events/s, deliveries, drops");
    auto finish_connection = add_connection_options(*cmd, o);
    cmd->add_flag("--json", o.json, "Print the summary as one JSON object");
    CLI::Option* interval =
        cmd->add_option("--interval", o.interval_s,
                        "Seconds between the two samples that measure events/s (0: one "
                        "sample), or between samples with --watch")
            ->check(seconds_up_to(3600))
            ->type_name("SECONDS")
            ->capture_default_str();
    cmd->add_flag("--watch", o.watch,
                  "Sample again every --interval until Ctrl-C: on a terminal one summary "
                  "redrawn in place with sparklines, else one summary (or JSON line) a sample");
    cmd->callback([&o, finish_connection, interval] {
        o.command = ClientCommand::Stats;
        finish_connection();
        if (o.watch && o.interval_s < min_watch_interval_s)
            throw CLI::ValidationError(interval->get_name(),
                                       "--watch needs an --interval of at least 0.1 seconds");
    });
}

// A lifetime longer than ten years is a mistake, not a test token; 0 means none at all.
const CLI::Validator ttl_check(
    [](std::string& text) -> std::string {
        bool digits = !text.empty() && text.size() <= 9 &&
                      text.find_first_not_of("0123456789") == std::string::npos;
        if (!digits || std::stoul(text) > max_token_ttl_s)
            return "'" + text + "' is not a whole number of seconds from 0 to " +
                   std::to_string(max_token_ttl_s);
        text = std::to_string(std::stoul(text)); // CLI11 would read a leading 0 as octal
        return {};
    },
    "");

// A pattern or kid goes into JSON, where any text is fine, but a control character in one is
// a typing accident, and an empty one names nothing.
const CLI::Validator claim_text_check(
    [](std::string& text) -> std::string {
        if (text.empty()) return "must not be empty";
        std::string bad = header_value_check(text);
        return bad;
    },
    "");

void declare_token(CLI::App& app, ClientOptions& o) {
    CLI::App* cmd = app.add_subcommand(
        "token", "Print a signed token (JWT) for trying private topics, signed with a key file");
    TokenRequest& t = o.mint;
    cmd->add_option("--key", t.key_file,
                    "Sign with FILE: a PEM private key (RSA: RS256, EC P-256: ES256) or an HS256 "
                    "secret")
        ->required()
        ->type_name("FILE");
    cmd->add_option("--kid", t.kid, "Put this key id in the token's header (as --jwt-key KID=)")
        ->check(claim_text_check)
        ->type_name("KID");
    cmd->add_option("--subscribe", t.subscribe,
                    "Allow reading the topics this name or pattern matches (repeatable)")
        ->check(claim_text_check)
        ->type_name("PATTERN");
    cmd->add_option("--publish", t.publish,
                    "Allow publishing to the topics this name or pattern matches (repeatable)")
        ->check(claim_text_check)
        ->type_name("PATTERN");
    cmd->add_option("--ttl", t.ttl_s, "Seconds until the token expires (0: never)")
        ->transform(ttl_check)
        ->type_name("SECONDS")
        ->capture_default_str();
    cmd->add_flag("--mercure", t.mercure,
                  "Write the rights in Mercure's \"mercure\" claim instead of \"ssehub\"");
    cmd->add_flag("--admin", t.admin,
                  "Let the token open the live dashboard (\"ssehub\": {\"admin\": true})");
    cmd->callback([&o] { o.command = ClientCommand::Token; });
}

} // namespace

void declare_client_commands(CLI::App& app, ClientOptions& options) {
    declare_publish(app, options);
    declare_subscribe(app, options);
    declare_stats(app, options);
    declare_token(app, options);
    declare_tls_command(app, options);
}

} // namespace ssehub::cli
