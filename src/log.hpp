// One line per event of note on stderr. Under systemd (JOURNAL_STREAM set) each line carries
// a syslog priority prefix such as "<4>" so journald keeps the level.
#pragma once

#include "config/config.hpp"

#include <string_view>

namespace ssehub::log {

void set_level(config::LogLevel level);
bool enabled(config::LogLevel level);
void write(config::LogLevel level, std::string_view message);

inline void error(std::string_view m) {
    write(config::LogLevel::Error, m);
}
inline void warn(std::string_view m) {
    write(config::LogLevel::Warn, m);
}
inline void info(std::string_view m) {
    write(config::LogLevel::Info, m);
}
inline void debug(std::string_view m) {
    if (enabled(config::LogLevel::Debug)) write(config::LogLevel::Debug, m);
}

} // namespace ssehub::log
