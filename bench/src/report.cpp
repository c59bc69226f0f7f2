#include "report.hpp"

#include "run.hpp"

#include <cstdio>

namespace bench {

namespace {

double us(uint64_t ns) {
    return static_cast<double>(ns) / 1e3;
}

nlohmann::json percentiles_us(const Histogram& h) {
    return {{"p50", us(h.percentile(0.50))},
            {"p90", us(h.percentile(0.90))},
            {"p99", us(h.percentile(0.99))},
            {"p999", us(h.percentile(0.999))},
            {"max", us(h.max())},
            {"mean", h.mean() / 1e3},
            {"count", h.count()}};
}

std::string format(const char* fmt, double a) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, a);
    return buf;
}

// Microseconds, shown in the unit that keeps them readable.
std::string duration(double micros) {
    if (micros < 1000) return format("%.0f µs", micros);
    if (micros < 1e6) return format("%.2f ms", micros / 1e3);
    return format("%.2f s", micros / 1e6);
}

std::string row(const std::string& name, const std::string& value) {
    std::string line = "  " + name;
    line.append(line.size() < 22 ? 22 - line.size() : 1, ' ');
    return line + value + "\n";
}

std::string percentile_row(const nlohmann::json& p) {
    return "p50 " + duration(p["p50"]) + "   p90 " + duration(p["p90"]) + "   p99 " +
           duration(p["p99"]) + "   p99.9 " + duration(p["p999"]) + "   max " + duration(p["max"]);
}

std::string count(const nlohmann::json& v) {
    return std::to_string(v.get<uint64_t>());
}

// Connect times; all_open_ns: from the first connect until every stream was open (0: never).
// Subscribes per second is the subscribers over that time: connect, request, (token check) and
// response headers, `--connect-concurrency` at a time.
nlohmann::json connect_json(const Histogram& c, uint64_t all_open_ns, uint32_t subscribers) {
    double all_open_s = static_cast<double>(all_open_ns) / 1e9;
    return {{"all_open_s", all_open_ns ? nlohmann::json(all_open_s) : nlohmann::json(nullptr)},
            {"subscribes_per_second",
             all_open_ns ? nlohmann::json(subscribers / all_open_s) : nlohmann::json(nullptr)},
            {"p50_ms", static_cast<double>(c.percentile(0.5)) / 1e6},
            {"p99_ms", static_cast<double>(c.percentile(0.99)) / 1e6},
            {"max_ms", static_cast<double>(c.max()) / 1e6}};
}

// What `expected` deliveries became, and their rate from the first publish to the last
// delivery.
nlohmann::json deliveries_json(const PoolStats& s, uint64_t expected, uint64_t publish_start_ns) {
    uint64_t end = std::max(s.last_delivery_ns, publish_start_ns);
    double seconds = publish_start_ns ? static_cast<double>(end - publish_start_ns) / 1e9 : 0;
    return {{"expected", expected},
            {"delivered", s.delivered},
            {"lost", expected - std::min(expected, s.delivered)},
            {"duplicates", s.duplicates},
            {"out_of_order", s.out_of_order},
            {"foreign_events", s.foreign},
            {"disconnects", s.disconnects},
            {"subscribers_incomplete", s.subscribers_incomplete},
            {"subscribers_disordered", s.subscribers_disordered},
            {"seconds", seconds},
            {"per_second", seconds > 0 ? static_cast<double>(s.delivered) / seconds : 0.0}};
}

} // namespace

// One node's share of the run: its subscribers, what they saw, and its own rates.
nlohmann::json Run::node_result(uint32_t node) const {
    const PoolStats& s = node_stats_[node];
    uint32_t subscribers = node_subscribers_[node];
    nlohmann::json r;
    r["url"] = o_.urls[node];
    r["subscribers"] = subscribers;
    r["opened"] = s.opened;
    bool all_open = s.opened == subscribers && s.last_open_ns >= connect_start_ns_;
    r["connect"] =
        connect_json(s.connect_ns, all_open ? s.last_open_ns - connect_start_ns_ : 0, subscribers);
    r["latency_us"] = percentiles_us(s.latency_ns);
    uint64_t expected = uint64_t{published_} * subscribers;
    r["deliveries"] = deliveries_json(s, expected, publish_start_ns_);
    r["ok"] = s.opened == subscribers && s.delivered == expected && s.duplicates == 0 &&
              s.out_of_order == 0 && s.disconnects == 0;
    return r;
}

nlohmann::json Run::result() const {
    nlohmann::json r;
    r["label"] = o_.label;
    r["mode"] = o_.mode == Mode::WaitForAll ? "wait" : "open";
    r["subscribers"] = o_.subscribers;
    r["opened"] = total_.opened;
    r["events_planned"] = planned_;
    r["events_published"] = published_;
    r["events_everywhere"] = complete_events_;
    r["event_bytes"] = o_.event_bytes;
    r["publishers"] = o_.publishers;
    r["workers"] = std::max<size_t>(1, workers_.size());
    r["source_addresses"] = source_addresses_;
    if (o_.mode == Mode::OpenLoop) {
        r["rate"] = o_.rate;
        r["duration_s"] = o_.duration_s;
    }
    r["connect"] = connect_json(
        total_.connect_ns, all_open_ns_ ? all_open_ns_ - connect_start_ns_ : 0, o_.subscribers);
    r["tokens"] = o_.tokens ? o_.tokens->size() : 0; // distinct bearer tokens sent
    r["latency_us"] = percentiles_us(total_.latency_ns);
    Histogram last;
    for (size_t i = 0; i < total_.event_count.size() && i < published_; ++i)
        if (total_.event_sent_ns[i] && total_.event_last_ns[i] >= total_.event_sent_ns[i])
            last.record(total_.event_last_ns[i] - total_.event_sent_ns[i]);
    r["last_subscriber_us"] = percentiles_us(last);

    uint64_t expected = uint64_t{published_} * o_.subscribers;
    r["deliveries"] = deliveries_json(total_, expected, publish_start_ns_);
    r["publish"] = {{"errors", publisher_ ? publisher_->errors() : 0},
                    {"first_error", publisher_ ? publisher_->first_error() : std::string()}};
    if (o_.server_pid) {
        nlohmann::json s = {{"pid", o_.server_pid}};
        if (server_idle_.ok && server_open_.ok) {
            s["rss_idle_bytes"] = server_idle_.rss_bytes;
            s["rss_open_bytes"] = server_open_.rss_bytes;
            s["rss_per_subscriber_bytes"] = (static_cast<double>(server_open_.rss_bytes) -
                                             static_cast<double>(server_idle_.rss_bytes)) /
                                            o_.subscribers;
            // Server CPU spent accepting, parsing, checking (tokens included) and answering each
            // subscribe, settle pause included: what the hub's loop gives to a subscriber.
            s["cpu_us_per_subscribe"] =
                static_cast<double>(server_open_.cpu_ns - server_idle_.cpu_ns) / 1e3 /
                o_.subscribers;
        }
        if (server_start_.ok && server_end_.ok) {
            double cpu_us = static_cast<double>(server_end_.cpu_ns - server_start_.cpu_ns) / 1e3;
            s["cpu_us"] = cpu_us;
            s["cpu_us_per_delivery"] = total_.delivered ? cpu_us / total_.delivered : 0.0;
        }
        r["server"] = s;
    }
    r["nodes"] = nlohmann::json::array();
    for (uint32_t k = 0; k < node_stats_.size(); ++k)
        r["nodes"].push_back(node_result(k));
    r["stopped_early"] = stopped_early_;
    r["failure"] = failure_;
    r["ok"] = failure_.empty() && stopped_early_.empty() && published_ == planned_ &&
              total_.opened == o_.subscribers && total_.delivered == expected &&
              total_.duplicates == 0 && total_.out_of_order == 0 && total_.disconnects == 0 &&
              (!publisher_ || publisher_->errors() == 0);
    return r;
}

std::string render_table(const nlohmann::json& r) {
    std::string out;
    std::string label = r["label"].get<std::string>();
    out += "ssehub-bench" + (label.empty() ? std::string() : " (" + label + ")") + ": " +
           std::to_string(r["subscribers"].get<uint32_t>()) + " subscribers, " +
           std::to_string(r["events_published"].get<uint32_t>()) + " events of " +
           std::to_string(r["event_bytes"].get<uint32_t>()) + " bytes, " +
           (r["mode"] == "wait" ? std::string("wait-for-all")
                                : "open loop " + format("%g", r["rate"]) + "/s") +
           ", " + std::to_string(r["publishers"].get<uint32_t>()) + " publisher(s)" +
           (r["tokens"].get<size_t>() > 0
                ? ", " + std::to_string(r["tokens"].get<size_t>()) + " token(s)"
                : std::string()) +
           (r.contains("nodes") && r["nodes"].size() > 1
                ? ", " + std::to_string(r["nodes"].size()) + " nodes"
                : std::string()) +
           "\n";
    const auto& c = r["connect"];
    out +=
        row("connect",
            (c["all_open_s"].is_null() ? std::string("not all open")
                                       : "all open in " + format("%.2f s", c["all_open_s"]) +
                                             " = " + format("%.0f/s", c["subscribes_per_second"])) +
                "   per stream p50 " + format("%.2f ms", c["p50_ms"]) + "   p99 " +
                format("%.2f ms", c["p99_ms"]) + "   max " + format("%.2f ms", c["max_ms"]));
    out += row("latency", percentile_row(r["latency_us"]));
    out += row("last subscriber", percentile_row(r["last_subscriber_us"]));
    const auto& d = r["deliveries"];
    out += row("deliveries", std::to_string(d["delivered"].get<uint64_t>()) + " of " +
                                 std::to_string(d["expected"].get<uint64_t>()) + " in " +
                                 format("%.3f s", d["seconds"]) + " = " +
                                 format("%.0f/s", d["per_second"]));
    out +=
        row("checks", "lost " + std::to_string(d["lost"].get<uint64_t>()) + "   duplicates " +
                          std::to_string(d["duplicates"].get<uint64_t>()) + "   out of order " +
                          std::to_string(d["out_of_order"].get<uint64_t>()) + "   disconnects " +
                          std::to_string(d["disconnects"].get<uint64_t>()) + "   publish errors " +
                          std::to_string(r["publish"]["errors"].get<uint64_t>()));
    if (r.contains("nodes") && r["nodes"].size() > 1) {
        size_t k = 0;
        for (const auto& n : r["nodes"]) {
            const auto& nd = n["deliveries"];
            const auto& nc = n["connect"];
            out +=
                row("node " + std::to_string(++k),
                    n["url"].get<std::string>() + "   " + count(n["opened"]) + " of " +
                        count(n["subscribers"]) + " subscribers open" +
                        (nc["all_open_s"].is_null() ? std::string()
                                                    : " in " + format("%.2f s", nc["all_open_s"])) +
                        (n["ok"].get<bool>() ? "" : "   FAILED"));
            out += row("", "latency " + percentile_row(n["latency_us"]));
            out += row("", "deliveries " + count(nd["delivered"]) + " of " + count(nd["expected"]) +
                               " = " + format("%.0f/s", nd["per_second"]) + "   lost " +
                               count(nd["lost"]) + "   duplicates " + count(nd["duplicates"]) +
                               "   out of order " + count(nd["out_of_order"]) + "   disconnects " +
                               count(nd["disconnects"]));
        }
    }
    if (r.contains("server")) {
        const auto& s = r["server"];
        std::string v = "pid " + std::to_string(s["pid"].get<int>());
        if (s.contains("rss_per_subscriber_bytes"))
            v += "   RSS " + format("%.0f B", s["rss_per_subscriber_bytes"]) + " per subscriber";
        if (s.contains("cpu_us_per_subscribe"))
            v += "   CPU " + format("%.1f µs", s["cpu_us_per_subscribe"]) + " per subscribe";
        if (s.contains("cpu_us_per_delivery"))
            v += "   CPU " + format("%.3f µs", s["cpu_us_per_delivery"]) + " per delivery";
        out += row("server", v);
    }
    if (!r["stopped_early"].get<std::string>().empty())
        out += row("stopped early", r["stopped_early"].get<std::string>());
    if (!r["failure"].get<std::string>().empty())
        out += row("failure", r["failure"].get<std::string>());
    out += row("result", r["ok"].get<bool>() ? "ok" : "FAILED");
    return out;
}

} // namespace bench
