// Layer base/, the bottom: logging, the intrusive list, clocks, address ranges, bounded JSON,
// the URL parser. It includes nothing of ours; every other folder may include it.
//
// One line per event of note on stderr. Under systemd (JOURNAL_STREAM set) each line carries
// a syslog priority prefix such as "<4>" so journald keeps the level.
#pragma once

#include <string_view>

namespace ssehub::log {

enum class Level { Error, Warn, Info, Debug };

void set_level(Level level);
bool enabled(Level level);
void write(Level level, std::string_view message);

inline void error(std::string_view m) {
    write(Level::Error, m);
}
inline void warn(std::string_view m) {
    write(Level::Warn, m);
}
inline void info(std::string_view m) {
    write(Level::Info, m);
}
inline void debug(std::string_view m) {
    if (enabled(Level::Debug)) write(Level::Debug, m);
}

} // namespace ssehub::log
