// `ssehub stats`: GET /metrics (twice, --interval apart, to measure events/s) and a short
// summary for a person, or one JSON object for a script. Reads only; never changes the hub.
// With --watch it goes on sampling (stats_watch.cpp).
#include "cli/commands.hpp"
#include "cli/stats_sample.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <uv.h>

namespace ssehub::cli {

int run_stats(const ClientOptions& o, const Url& url) {
    if (o.watch) return run_stats_watch(o, url);
    HubSample first, last;
    std::string error;
    if (!take_sample(o, url, first, error)) {
        report("stats failed: " + error);
        return 1;
    }
    std::optional<double> rate;
    last = first;
    if (o.interval_s > 0) {
        uv_sleep(static_cast<unsigned>(std::llround(o.interval_s * 1000)));
        if (!take_sample(o, url, last, error)) {
            report("stats failed: " + error);
            return 1;
        }
        rate = rate_between(first, last, &HubSample::published);
    }
    std::string text =
        o.json ? json_summary(url, last, rate)
               : human_summary(summary_rows(url, last, events_rate_text(rate, o.interval_s)));
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() ||
        std::fflush(stdout) != 0) {
        report(std::string("stats: cannot write to standard output: ") + std::strerror(errno));
        return 1;
    }
    return 0;
}

} // namespace ssehub::cli
