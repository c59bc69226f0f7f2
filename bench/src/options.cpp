#include "options.hpp"

#include <CLI/CLI.hpp>
#include <cmath>
#include <fstream>
#include <sstream>

namespace bench {

namespace {

constexpr size_t max_urls = 256;

} // namespace

uint32_t Options::planned_events() const {
    if (mode == Mode::WaitForAll) return events;
    return static_cast<uint32_t>(std::llround(rate * duration_s));
}

namespace {

// CLI::Range and CLI::PositiveNumber let "nan" through (no comparison with NaN is true).
const CLI::Validator finite_number(
    [](std::string& text) -> std::string {
        char* end = nullptr;
        double v = text.empty() ? 0 : std::strtod(text.c_str(), &end);
        bool ok = !text.empty() && end == text.c_str() + text.size() && std::isfinite(v);
        return ok ? std::string() : "'" + text + "' is not a finite number";
    },
    "");

// The tokens of --token-file, one per line (blank lines skipped, a final CR dropped). A token
// goes into a header as it is, so anything but visible ASCII would corrupt the request.
std::vector<std::string> read_tokens(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw CLI::ValidationError("--token-file", "cannot read " + path);
    std::vector<std::string> tokens;
    std::string line;
    for (size_t number = 1; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty()) continue;
        for (unsigned char c : line)
            if (c <= ' ' || c >= 0x7f)
                throw CLI::ValidationError("--token-file", path + " line " +
                                                               std::to_string(number) +
                                                               ": a token is visible ASCII only");
        tokens.push_back(std::move(line));
    }
    if (tokens.empty()) throw CLI::ValidationError("--token-file", path + " holds no token");
    return tokens;
}

} // namespace

ParsedOptions parse_options(int argc, char** argv) {
    ParsedOptions out;
    Options& o = out.options;
    CLI::App app{"ssehub-bench: opens many SSE subscribers, publishes events and checks and "
                 "times every delivery"};
    app.name("ssehub-bench");
    app.set_version_flag("--version", std::string("ssehub-bench ") + SSEHUB_VERSION);
    app.get_formatter()->column_width(34);
    app.add_option("-u,--url", o.urls,
                   "subscribe URL (http://IPv4:PORT/path); repeat it to spread the "
                   "subscribers over several nodes")
        ->capture_default_str()
        ->allow_extra_args(false);
    app.add_option("--publish-url", o.publish_url,
                   "publish URL (default: the first subscribe URL's host, path /publish)");
    app.add_option("--body", o.body_template, "publish body; {data} becomes the payload")
        ->capture_default_str();
    app.add_option("--content-type", o.content_type, "Content-Type of the publish body")
        ->capture_default_str();
    app.add_option("-n,--subscribers", o.subscribers, "subscribers to open")
        ->capture_default_str()
        ->check(CLI::Range(1u, 10000000u));
    app.add_option("-m,--events", o.events, "events to publish (wait mode)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000000u));
    app.add_option("-s,--size", o.event_bytes, "bytes of data per event (at least the stamp)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 16u << 20));
    std::string mode = "wait";
    app.add_option("--mode", mode,
                   "wait: next event once every subscriber has the last; open: fixed rate")
        ->capture_default_str()
        ->check(CLI::IsMember({"wait", "open"}));
    app.add_option("-r,--rate", o.rate, "events per second (open mode)")
        ->check(finite_number)
        ->capture_default_str()
        ->check(CLI::Range(0.001, 1e7));
    app.add_option("-d,--duration", o.duration_s, "seconds of publishing (open mode)")
        ->check(finite_number)
        ->capture_default_str()
        ->check(CLI::Range(0.001, 1e6));
    app.add_option("-p,--publishers", o.publishers, "publisher connections")
        ->capture_default_str()
        ->check(CLI::Range(1u, 64u));
    app.add_option("--source-addresses", o.source_addresses,
                   "bind subscribers to 127.0.0.1..K (default: one per 5000 subscribers)")
        ->check(CLI::Range(1u, 254u));
    app.add_option("--workers", o.workers,
                   "subscriber processes (default: as the descriptor limit requires)")
        ->check(CLI::Range(1u, 256u));
    app.add_option("--connect-concurrency", o.connect_concurrency, "connects in flight")
        ->capture_default_str()
        ->check(CLI::Range(1u, 100000u));
    app.add_option("--settle-ms", o.settle_ms,
                   "pause between the last stream open and the first event")
        ->capture_default_str();
    app.add_option("--connect-timeout", o.connect_timeout_s, "seconds to open every stream")
        ->check(finite_number)
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--event-timeout", o.event_timeout_s,
                   "wait mode: seconds for one event to reach every subscriber")
        ->check(finite_number)
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--drain-timeout", o.drain_timeout_s,
                   "open mode: seconds to wait for deliveries after the last publish")
        ->check(finite_number)
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    app.add_option("--server-pid", o.server_pid,
                   "measure this process's RSS and CPU time from /proc")
        ->check(CLI::PositiveNumber);
    app.add_option("--token-file", o.token_file,
                   "signed tokens, one per line: subscriber i sends line i % lines as "
                   "Authorization: Bearer");
    app.add_option("--label", o.label, "name of the server under test, for the report");
    app.add_flag("--json", o.json, "print the result as JSON instead of a table");
    app.add_flag("-q,--quiet", o.quiet, "no progress on stderr");

    try {
        app.parse(argc, argv);
        o.mode = mode == "open" ? Mode::OpenLoop : Mode::WaitForAll;
        if (o.urls.size() > max_urls)
            throw CLI::ValidationError("--url", "at most " + std::to_string(max_urls) + " URLs");
        if (o.subscribers < o.urls.size())
            throw CLI::ValidationError("--subscribers", "fewer subscribers than URLs");
        o.sub_urls.clear();
        for (const std::string& u : o.urls)
            o.sub_urls.push_back(parse_url(u));
        if (o.publish_url.empty()) o.publish_url = "http://" + o.sub_urls[0].host + "/publish";
        o.pub_url = parse_url(o.publish_url);
        if (o.body_template.find("{data}") == std::string::npos)
            throw CLI::ValidationError("--body", "the template must contain {data}");
        if (!o.token_file.empty())
            o.tokens = std::make_shared<const std::vector<std::string>>(read_tokens(o.token_file));
        if (o.planned_events() == 0)
            throw CLI::ValidationError("--rate", "rate times duration is less than one event");
    } catch (const CLI::ParseError& e) {
        std::ostringstream msg, err;
        out.exit_status = app.exit(e, msg, err);
        out.message = msg.str() + err.str();
        if (out.exit_status != 0) out.exit_status = 2;
        out.exit_now = true;
    } catch (const std::invalid_argument& e) {
        out.exit_now = true;
        out.exit_status = 2;
        out.message = std::string("ssehub-bench: ") + e.what() + "\n";
    }
    return out;
}

} // namespace bench
