// `ssehub stats --watch`: the figures of `ssehub stats`, sampled every --interval until Ctrl-C.
// On a terminal one frame is redrawn in place (ANSI cursor-up and erase-line, nothing more, so
// no curses) with a sparkline per figure; anywhere else every sample is one plain block, the
// same as `ssehub stats` prints, followed by an empty line (or one JSON line with --json), so
// a pipe, a log or a test reads it.
#include "cli/commands.hpp"
#include "cli/event_format.hpp"
#include "cli/sparkline.hpp"
#include "cli/stats_sample.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

namespace ssehub::cli {

namespace {

// Where a value's sparkline starts on a terminal (after the label and the value).
constexpr size_t value_width = 24;

// SIGINT and SIGTERM are blocked and taken with sigtimedwait() while waiting for the next
// sample: no handler, and no window in which a signal arrives just before the wait and is
// missed. One that comes during a sample is taken by the next wait, at once.
sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    return set;
}

// Waits `seconds`; false when a stop signal came first.
bool wait_unless_stopped(const sigset_t& set, double seconds) {
    uint64_t until = uv_hrtime() + static_cast<uint64_t>(seconds * 1e9);
    for (;;) {
        uint64_t now = uv_hrtime();
        if (now >= until) return true;
        uint64_t left = until - now;
        timespec timeout{static_cast<time_t>(left / 1000000000),
                         static_cast<long>(left % 1000000000)};
        int signal = sigtimedwait(&set, nullptr, &timeout);
        if (signal > 0) return false;
        if (errno != EINTR && errno != EAGAIN) return true;
    }
}

// The recent values behind each sparkline: subscribers as counted, the counters as their
// growth per second (a total only ever climbs; its rate is what moves).
struct History {
    std::deque<double> subscribers, events, deliveries, dropped, rejected;

    void add(const HubSample* before, const HubSample& after) {
        push(subscribers, static_cast<double>(after.subscribers));
        if (!before) return;
        auto rate = [&](uint64_t HubSample::*counter) {
            return rate_between(*before, after, counter).value_or(NAN);
        };
        push(events, rate(&HubSample::published));
        push(deliveries, rate(&HubSample::deliveries));
        push(dropped, rate(&HubSample::dropped));
        push(rejected, rate(&HubSample::rejected));
    }

    const std::deque<double>* of(const std::string& label) const {
        if (label == "subscribers:") return &subscribers;
        if (label == "events/s:") return &events;
        if (label == "deliveries:") return &deliveries;
        if (label == "slow subscribers dropped:") return &dropped;
        if (label == "rejected requests:") return &rejected;
        return nullptr;
    }

  private:
    static void push(std::deque<double>& values, double v) {
        values.push_back(v);
        while (values.size() > sparkline_samples)
            values.pop_front();
    }
};

size_t terminal_columns() {
    winsize ws{};
    return ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 ? ws.ws_col : 80;
}

// At most `columns` - 1 characters of `line` (UTF-8; each of ours takes one column), so that
// no line wraps and the cursor-up count stays right.
std::string fit(const std::string& line, size_t columns) {
    size_t shown = 0;
    for (size_t i = 0; i < line.size(); ++i) {
        bool starts_character = (static_cast<unsigned char>(line[i]) & 0xC0) != 0x80;
        if (starts_character && ++shown >= columns) return line.substr(0, i);
    }
    return line;
}

class Screen {
  public:
    // The frame replaces the previous one: up to its first line, each line erased and written,
    // anything below (a longer earlier frame) erased.
    std::string redraw(const std::vector<std::string>& lines) {
        size_t columns = terminal_columns();
        std::string out;
        if (drawn_ > 0) out += "\x1b[" + std::to_string(drawn_) + "A";
        for (const std::string& line : lines)
            out += "\r\x1b[2K" + fit(line, columns) + "\n";
        out += "\x1b[J";
        drawn_ = lines.size();
        return out;
    }

  private:
    size_t drawn_ = 0;
};

std::string clock_text() {
    std::time_t t = std::time(nullptr);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[16];
    std::strftime(buf, sizeof buf, "%H:%M:%S", &tm);
    return buf;
}

std::vector<std::string> frame(const std::vector<SummaryRow>& rows, const History& history,
                               double interval_s, const std::string& failure) {
    char head[160];
    std::snprintf(head, sizeof head,
                  "ssehub stats, every %.1f s; sparklines: the last %zu samples (of a count, "
                  "its growth per second)",
                  interval_s, sparkline_samples);
    std::vector<std::string> lines{head};
    for (const SummaryRow& row : rows) {
        std::string line = row.label;
        line.resize(summary_label_width, ' ');
        line += row.value;
        if (const std::deque<double>* values = history.of(row.label)) {
            line.resize(std::max(line.size() + 1, summary_label_width + value_width), ' ');
            line += sparkline(*values);
        }
        lines.push_back(line);
    }
    lines.push_back(failure.empty() ? "Ctrl-C quits" : failure);
    return lines;
}

// Writes and flushes; on failure returns the exit status to end with (EPIPE: the reader has
// had enough, as with `| head`, which is no error).
std::optional<int> emit(const std::string& text) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) == text.size() && std::fflush(stdout) == 0)
        return std::nullopt;
    if (errno == EPIPE) return 0;
    report(std::string("stats: cannot write to standard output: ") + std::strerror(errno));
    return 1;
}

} // namespace

int run_stats_watch(const ClientOptions& o, const Url& url) {
    sigset_t signals = stop_signals();
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    bool terminal = !o.json && isatty(STDOUT_FILENO) == 1;
    HubSample last, next;
    std::string error;
    if (!take_sample(o, url, last, error)) { // a wrong --url is said at once, as by `stats`
        report("stats failed: " + error);
        return 1;
    }
    History history;
    history.add(nullptr, last);
    Screen screen;
    std::string failure; // of the latest sample; shown until one succeeds
    if (terminal) {
        auto rows = summary_rows(url, last, "measuring");
        if (auto status = emit(screen.redraw(frame(rows, history, o.interval_s, failure))))
            return *status;
    }
    while (wait_unless_stopped(signals, o.interval_s)) {
        if (!take_sample(o, url, next, error)) {
            // Keep watching: a hub being restarted comes back, and the watch shows it.
            if (terminal) {
                failure =
                    printable("sample at " + clock_text() + " failed: " + error + "; trying again");
                auto rows = summary_rows(url, last, "n/a");
                if (auto status = emit(screen.redraw(frame(rows, history, o.interval_s, failure))))
                    return *status;
            } else if (failure.empty()) {
                failure = error;
                char again[64];
                std::snprintf(again, sizeof again, "; trying again every %.1f s", o.interval_s);
                report("stats: " + error + again);
            }
            continue;
        }
        if (!failure.empty() && !terminal) report("stats: " + url.text + " answers again");
        failure.clear();
        std::optional<double> rate = rate_between(last, next, &HubSample::published);
        double elapsed = static_cast<double>(next.taken_ns - last.taken_ns) / 1e9;
        history.add(&last, next);
        std::string text;
        if (o.json) {
            text = json_summary(url, next, rate);
        } else {
            auto rows =
                summary_rows(url, next, rate ? events_rate_text(rate, elapsed) : "n/a (restarted)");
            text = terminal ? screen.redraw(frame(rows, history, o.interval_s, failure))
                            : human_summary(rows) + "\n";
        }
        if (auto status = emit(text)) return *status;
        last = next;
    }
    return 0;
}

} // namespace ssehub::cli
