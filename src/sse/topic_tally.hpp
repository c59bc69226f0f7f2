// Events per topic, counted only while a dashboard watches (Hub::watch_topics), in a table of
// fixed size: a publisher inventing a new topic for every event (millions of them) cannot grow
// it. The table is the Space-Saving summary (Metwally, Agrawal, El Abbadi, 2005): when it is
// full, a new topic takes the place of the least counted one and inherits its count as its
// error, so every topic busier than 1/capacity of the window's events is in it, and a topic's
// count is never below its true count nor more than `error` above it. With fewer topics than
// the capacity in a window, every count is exact.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ssehub::sse {

struct TopicRate {
    std::string topic;
    double events_per_s = 0;
    bool exact = true; // false: an upper bound (the topic came in when the table was full)
};

class TopicTally {
  public:
    static constexpr size_t capacity = 256;
    static constexpr uint64_t window_ms = 1000;

    // Counts one event of `topic` (empty: none; not counted) in the current window.
    void count(std::string_view topic, uint64_t now_ms);
    // Closes the current window when it is at least window_ms old; the rates then come from it.
    void roll(uint64_t now_ms);
    // The `n` busiest topics of the last closed window, busiest first.
    std::vector<TopicRate> busiest(size_t n) const;
    // The rate of one topic in the last closed window (0 when it is not in the table).
    double rate_of(std::string_view topic) const;
    // Whether the last closed window had more topics than the table holds.
    bool overflowed() const { return last_.overflowed; }
    // Forgets everything (nobody watches any more): the table's memory is given back.
    void clear();
    size_t size() const { return current_.counts.size(); }

  private:
    struct Count {
        uint64_t n = 0;
        uint64_t error = 0;
    };
    struct TransparentHash {
        using is_transparent = void;
        size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    struct Window {
        std::unordered_map<std::string, Count, TransparentHash, std::equal_to<>> counts;
        uint64_t start_ms = 0;
        uint64_t length_ms = 0;
        bool overflowed = false;
    };
    Window current_;
    Window last_;
    bool started_ = false;
};

} // namespace ssehub::sse
