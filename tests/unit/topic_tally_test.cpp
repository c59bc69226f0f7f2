// sse::TopicTally (src/sse/topic_tally.hpp): per-topic event rates in a table of fixed size.
#include "sse/topic_tally.hpp"

#include <doctest/doctest.h>

#include <string>

using ssehub::sse::TopicTally;

TEST_CASE("topic tally: exact rates of the last closed second, busiest first") {
    TopicTally t;
    for (int i = 0; i < 30; ++i)
        t.count("busy", 100 + i);
    for (int i = 0; i < 10; ++i)
        t.count("calm", 200 + i);
    t.count("", 300);             // no topic: not counted
    CHECK(t.busiest(10).empty()); // no window has closed yet
    t.roll(1100);                 // the first window: 100..1100, one second
    auto rows = t.busiest(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].topic == "busy");
    CHECK(rows[0].events_per_s == doctest::Approx(30));
    CHECK(rows[0].exact);
    CHECK(rows[1].topic == "calm");
    CHECK(rows[1].events_per_s == doctest::Approx(10));
    CHECK(t.rate_of("calm") == doctest::Approx(10));
    CHECK(t.rate_of("none") == 0);
    CHECK(!t.overflowed());
    CHECK(t.busiest(1).size() == 1);
    t.roll(3100); // a quiet window of two seconds
    CHECK(t.busiest(10).empty());
}

TEST_CASE("topic tally: a flood of new topics stays within capacity; the heavy topic stays") {
    TopicTally t;
    uint64_t now = 0;
    t.roll(now);
    for (int i = 0; i < 100000; ++i) {
        t.count(i % 5 == 0 ? std::string("heavy") : "spam/" + std::to_string(i), now);
        CHECK_LE(t.size(), TopicTally::capacity);
    }
    t.roll(now + 1000);
    CHECK(t.overflowed());
    auto rows = t.busiest(10);
    REQUIRE(!rows.empty());
    CHECK(rows[0].topic == "heavy");
    // Never below the true count (20 000 in the second), at most the table's error above it.
    CHECK(rows[0].events_per_s >= 20000);
    CHECK(rows[0].events_per_s <= 20000 + 100000 / TopicTally::capacity + 1);
}

TEST_CASE("topic tally: clear() forgets everything") {
    TopicTally t;
    t.count("a", 0);
    t.roll(1000);
    CHECK(t.busiest(10).size() == 1);
    t.clear();
    CHECK(t.busiest(10).empty());
    CHECK(t.size() == 0);
}
