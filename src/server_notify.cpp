// What systemd hears from a running hub: READY/RELOADING/STOPPING around its life, STATUS=
// (the line `systemctl status` shows) and the watchdog's keep-alive. STATUS and WATCHDOG ride
// on the housekeeping tick, so a loop that stops turning stops pinging and systemd restarts
// the hub (WatchdogSec= in the unit); a hub that is not under systemd sends nothing.
#include "server.hpp"

#include <algorithm>

#ifdef SSEHUB_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace ssehub {

namespace {

// 12034 -> "12 034": the way the figure reads in `systemctl status`.
std::string grouped(uint64_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ' ';
        out += digits[i];
    }
    return out;
}

} // namespace

void Server::notify(const char* state) {
#ifdef SSEHUB_HAVE_SYSTEMD
    sd_notify(0, state);
#else
    (void)state;
#endif
}

// WATCHDOG_USEC (and WATCHDOG_PID, when set, naming us) turn the keep-alive on; it is sent at
// half the interval, as sd_watchdog_enabled(3) advises, and no more often than the tick.
void Server::start_watchdog() {
#ifdef SSEHUB_HAVE_SYSTEMD
    uint64_t usec = 0;
    if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
        status_.watchdog_every_ms = std::max<uint64_t>(usec / 2000, 1);
#endif
}

void Server::notify_tick(uint64_t now_ms) {
    if (status_.watchdog_every_ms &&
        now_ms - status_.last_watchdog_ms >= status_.watchdog_every_ms) {
        notify("WATCHDOG=1");
        status_.last_watchdog_ms = now_ms;
    }
    // Rates over at least a second, so the line does not flicker with each tick.
    uint64_t elapsed = now_ms - status_.since_ms;
    if (elapsed < 1000) return;
    uint64_t events = metrics_.events_published - status_.events;
    std::string line = grouped(metrics_.subscribers) + " subscribers, " +
                       grouped(events * 1000 / elapsed) + " events/s";
    if (app_ && app_->shutting_down()) line = "shutting down: " + line;
    status_.since_ms = now_ms;
    status_.events = metrics_.events_published;
    if (line == status_.line) return;
    status_.line = line;
    notify(("STATUS=" + line).c_str());
}

} // namespace ssehub
