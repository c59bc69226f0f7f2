#include "log.hpp"

#include <cstdlib>
#include <string>
#include <unistd.h>

namespace ssehub::log {

namespace {
config::LogLevel current = config::LogLevel::Info;
const bool journald = std::getenv("JOURNAL_STREAM") != nullptr;
} // namespace

void set_level(config::LogLevel level) {
    current = level;
}
bool enabled(config::LogLevel level) {
    return level <= current;
}

void write(config::LogLevel level, std::string_view message) {
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
