#include "sse/topic_tally.hpp"

#include <algorithm>

namespace ssehub::sse {

void TopicTally::count(std::string_view topic, uint64_t now_ms) {
    if (topic.empty()) return;
    roll(now_ms);
    auto& counts = current_.counts;
    if (auto it = counts.find(topic); it != counts.end()) {
        ++it->second.n;
        return;
    }
    if (counts.size() < capacity) {
        counts.emplace(std::string(topic), Count{1, 0});
        return;
    }
    // Full: the least counted topic gives its place (a linear scan of `capacity` entries, paid
    // only by a new topic while the table is full and a dashboard watches).
    auto least = std::min_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
        return a.second.n < b.second.n;
    });
    Count inherited{least->second.n + 1, least->second.n};
    counts.erase(least);
    counts.emplace(std::string(topic), inherited);
    current_.overflowed = true;
}

void TopicTally::roll(uint64_t now_ms) {
    if (!started_) {
        started_ = true;
        current_.start_ms = now_ms;
        return;
    }
    if (now_ms - current_.start_ms < window_ms) return;
    current_.length_ms = now_ms - current_.start_ms;
    last_ = std::move(current_);
    current_ = Window{};
    current_.start_ms = now_ms;
}

std::vector<TopicRate> TopicTally::busiest(size_t n) const {
    std::vector<TopicRate> out;
    if (last_.length_ms == 0) return out;
    std::vector<std::pair<std::string_view, Count>> all(last_.counts.begin(), last_.counts.end());
    n = std::min(n, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n), all.end(),
                      [](const auto& a, const auto& b) {
                          return a.second.n != b.second.n ? a.second.n > b.second.n
                                                          : a.first < b.first;
                      });
    double seconds = static_cast<double>(last_.length_ms) / 1000.0;
    for (size_t i = 0; i < n; ++i)
        out.push_back(TopicRate{std::string(all[i].first),
                                static_cast<double>(all[i].second.n) / seconds,
                                all[i].second.error == 0});
    return out;
}

double TopicTally::rate_of(std::string_view topic) const {
    if (last_.length_ms == 0) return 0;
    auto it = last_.counts.find(topic);
    if (it == last_.counts.end()) return 0;
    return static_cast<double>(it->second.n) * 1000.0 / static_cast<double>(last_.length_ms);
}

void TopicTally::clear() {
    current_ = Window{};
    last_ = Window{};
    started_ = false;
}

} // namespace ssehub::sse
