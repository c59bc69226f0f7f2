#include "base/log.hpp"

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace ssehub::log {

namespace {
log::Level current = log::Level::Info;
const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
} // namespace

void set_level(log::Level level) {
    current = level;
}
bool enabled(log::Level level) {
    return level <= current;
}

void write(log::Level level, std::string_view message) {
    if (!enabled(level)) return;
    static const char* const names[] = {"error", "warn", "info", "debug"};
    static const char* const priorities[] = {"<3>", "<4>", "<6>", "<7>"};
    int i = static_cast<int>(level);
    std::string line;
    line.reserve(message.size() + 16);
    if (journald) line += priorities[i];
    line += names[i];
    line += ": ";
    line += message;
    line += '\n';
    // One write() per line so lines from a crash-time flush never interleave.
    ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
    (void)ignored;
}

} // namespace ssehub::log
