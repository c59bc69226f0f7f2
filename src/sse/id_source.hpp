// Hands out event ids that only grow: within a run, if the wall clock steps back, and across
// restarts (clean or kill -9). An id is "<ms>-<seq>": ms is the wall clock, but never less
// than the last id's; seq counts within one ms. A high-water mark in the state directory,
// written ahead of use (a lease of lease_ms) and so only every few seconds, promises that no
// earlier run issued an id with ms at or past it; a new run starts there.
#pragma once

#include "sse/event_id.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ssehub::sse {

class IdSource {
  public:
    static constexpr uint64_t lease_ms = 10000;
    // The largest mark a state file may hold: 10^15 ms is the year 33658, so a larger one was
    // not written by a hub, and the sums mark + lease_ms stay far from overflowing.
    static constexpr uint64_t max_mark = 999999999999999;

    // Creates the directory if missing and reads the mark; throws std::runtime_error with a
    // one-line reason when the directory or the file cannot be used.
    IdSource(const std::string& state_dir, uint64_t wall_ms);

    // The mark in the text of a state file, or nothing when the text is damaged.
    static std::optional<uint64_t> parse_mark(std::string_view text);

    // The next id, or nothing when the mark cannot be written (then no id is safe to issue).
    std::optional<EventId> next(uint64_t wall_ms);
    const std::string& state_file() const { return path_; }
    // Below every id this run issues and above every id an earlier run issued: "<mark>-0",
    // the mark read at start ("0-0" without a state file).
    EventId start() const { return start_; }
    // The newest id issued (at start: every id this run issues is greater than it).
    const EventId& last() const { return last_; }
    // Ids go on after `id` (the newest stored in the history log), even if the state file
    // was lost or moved back. Throws std::runtime_error when the mark cannot be written.
    void continue_after(const EventId& id, uint64_t wall_ms);

    // Why no id can be issued (a one-line reason), or nothing when ids can be issued. Only a
    // failed write of the mark makes this say something; while it does, it tries the write
    // again (at most once a second), so the answer recovers without waiting for a publish.
    std::optional<std::string> unwritable(uint64_t wall_ms);

  private:
    bool persist(uint64_t mark);
    bool failed(const std::string& what); // records why in failure_; false

    std::string path_;
    EventId last_;
    EventId start_;
    uint64_t persisted_mark_ = 0; // every id issued so far has ms < this
    std::string failure_;         // why the last write of the mark failed; empty once one works
    uint64_t failed_at_ms_ = 0;   // wall clock of that failed write
};

} // namespace ssehub::sse
