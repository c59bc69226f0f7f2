// The dashboard's table of busiest topics: subscribers per topic from the hub's own lists (read
// on request, nothing kept), events per topic from a TopicTally that runs only while watched.
#include "sse/hub.hpp"

namespace ssehub::sse {

void Hub::watch_topics(uint64_t now_ms) {
    watched_until_ms_ = now_ms + watch_topics_ms;
}

void Hub::count_topic(std::string_view topic, uint64_t now_ms) {
    if (now_ms < watched_until_ms_) {
        tally_.count(topic, now_ms);
        return;
    }
    watched_until_ms_ = 0; // the last dashboard went away: stop counting, free the table
    tally_.clear();
}

std::vector<TopicFigures> Hub::busiest_topics(size_t n, uint64_t now_ms) {
    tally_.roll(now_ms);
    std::vector<TopicFigures> rows;
    auto subscribers_of = [this](std::string_view topic) -> size_t {
        auto it = topics_.find(topic);
        return it == topics_.end() ? 0 : it->second.size();
    };
    for (TopicRate& r : tally_.busiest(n))
        rows.push_back(TopicFigures{r.topic, subscribers_of(r.topic), r.events_per_s, r.exact});
    // The n topics with the most subscribers: a partial sort of pointers into topics_, so a
    // request costs one pass over the subscribed topics and copies n names.
    using Entry = decltype(topics_)::const_pointer;
    std::vector<Entry> by_subscribers;
    by_subscribers.reserve(topics_.size());
    for (const auto& entry : topics_)
        by_subscribers.push_back(&entry);
    size_t top = std::min(n, by_subscribers.size());
    std::partial_sort(by_subscribers.begin(), by_subscribers.begin() + static_cast<ptrdiff_t>(top),
                      by_subscribers.end(), [](Entry a, Entry b) {
                          return a->second.size() != b->second.size()
                                     ? a->second.size() > b->second.size()
                                     : a->first < b->first;
                      });
    for (size_t i = 0; i < top; ++i) {
        const std::string& topic = by_subscribers[i]->first;
        bool listed = std::any_of(rows.begin(), rows.end(),
                                  [&](const TopicFigures& row) { return row.topic == topic; });
        if (!listed)
            rows.push_back(TopicFigures{topic, by_subscribers[i]->second.size(),
                                        tally_.rate_of(topic), !tally_.overflowed()});
    }
    std::sort(rows.begin(), rows.end(), [](const TopicFigures& a, const TopicFigures& b) {
        if (a.events_per_s != b.events_per_s) return a.events_per_s > b.events_per_s;
        if (a.subscribers != b.subscribers) return a.subscribers > b.subscribers;
        return a.topic < b.topic;
    });
    if (rows.size() > n) rows.resize(n);
    return rows;
}

} // namespace ssehub::sse
