// The hub with an upstream store (Redis): replays that start before the ring are paged from the
// store, then go on from the ring, then live, with no duplicate and no gap.
#include "metrics/metrics.hpp"
#include "sse/hub.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace ssehub::sse;
namespace net = ssehub::net;

namespace {

struct FakeSubscriber final : Subscriber {
    explicit FakeSubscriber(Hub& h) : hub(h) {}
    ~FakeSubscriber() { hub.remove(this); }
    bool send(const net::FrameRef& frame) override {
        out += frame->view();
        if (hold) queued += frame->size();
        return true;
    }
    size_t queued_bytes() const override { return queued; }
    void drop(DropReason) override {
        dropped = true;
        hub.remove(this);
    }
    // The ids of the events received, in order; "gap" for an ssehub.gap event.
    std::vector<std::string> ids() const {
        std::vector<std::string> result;
        size_t pos = 0;
        while ((pos = out.find("\n\n", pos)) != std::string::npos)
            ++pos;
        for (size_t start = 0; start < out.size();) {
            size_t end = out.find("\n\n", start);
            if (end == std::string::npos) break;
            std::string block = out.substr(start, end - start);
            if (block.starts_with("id: "))
                result.push_back(block.substr(4, block.find('\n') - 4));
            else if (block.find("event: ssehub.gap") != std::string::npos)
                result.push_back("gap");
            start = end + 2;
        }
        return result;
    }
    Hub& hub;
    std::string out;
    size_t queued = 0;
    bool hold = false;
    bool dropped = false;
};

struct FakeStore final : History {
    HistoryRequest* fetch(Subscriber* s, const EventId& from, bool first) override {
        requests.push_back(new HistoryRequest{s, from, first});
        return requests.back();
    }
    ~FakeStore() override {
        for (HistoryRequest* r : requests)
            delete r;
    }
    // Answers the oldest open request with events ms..ms_last (seq 0), as the store would.
    void answer(Hub& hub, uint64_t first_ms, uint64_t last_ms, bool end,
                std::optional<EventId> store_first = std::nullopt) {
        REQUIRE(!requests.empty());
        HistoryRequest* r = requests.front();
        requests.erase(requests.begin());
        HistoryPage page;
        page.end = end;
        page.store_first = store_first;
        for (uint64_t ms = first_ms; ms <= last_ms; ++ms)
            page.entries.push_back(
                HistoryEntry{Event{EventId{ms, 0}, "tick", "d", "", false}, true});
        if (r->subscriber) hub.on_history_page(*r, page, 0);
        delete r;
    }
    std::vector<HistoryRequest*> requests;
};

std::vector<std::string> range(uint64_t first, uint64_t last) {
    std::vector<std::string> ids;
    for (uint64_t ms = first; ms <= last; ++ms)
        ids.push_back(std::to_string(ms) + "-0");
    return ids;
}

void publish(Hub& hub, uint64_t ms) {
    hub.publish(Event{EventId{ms, 0}, "tick", "d", "", false}, 0);
}

struct Fixture {
    Fixture() : hub(HubLimits{3, 1u << 20, 1u << 20, 3000, 15000, {}, nullptr}, metrics) {
        hub.set_history(&store);
    }
    ssehub::metrics::Metrics metrics;
    FakeStore store;
    Hub hub;
};

} // namespace

TEST_CASE("a resume older than the ring is paged from the store, then the ring, then live") {
    Fixture f;
    for (uint64_t ms = 1; ms <= 6; ++ms)
        publish(f.hub, ms); // the ring keeps 4..6
    FakeSubscriber s(f.hub);
    std::string resume = "1-0";
    f.hub.add(&s, {}, &resume, 0);
    REQUIRE(f.store.requests.size() == 1);
    CHECK(f.store.requests[0]->first);
    CHECK(f.store.requests[0]->from == EventId{1, 0});
    f.store.answer(f.hub, 1, 3, false); // the resume point itself, then 2 and 3
    CHECK(f.store.requests.empty());    // 3 was the ring's last evicted: the ring goes on
    publish(f.hub, 7);
    CHECK(s.ids() == range(2, 7));
}

TEST_CASE("pages follow one another as the socket drains") {
    Fixture f;
    for (uint64_t ms = 1; ms <= 10; ++ms)
        publish(f.hub, ms); // the ring keeps 8..10
    FakeSubscriber s(f.hub);
    s.hold = true;
    s.queued = 600u << 10; // past the replay budget (half the output bound): the next page waits
    std::string resume = "2-0";
    f.hub.add(&s, {}, &resume, 0);
    f.store.answer(f.hub, 2, 4, false);
    CHECK(f.store.requests.empty());
    CHECK_FALSE(s.dropped);
    s.queued = 0;
    f.hub.on_drained(&s, 0);
    REQUIRE(f.store.requests.size() == 1);
    CHECK_FALSE(f.store.requests[0]->first);
    CHECK(f.store.requests[0]->from == EventId{4, 0});
    s.hold = false;
    f.store.answer(f.hub, 5, 7, false); // 7 is the ring's last evicted
    publish(f.hub, 11);
    CHECK(s.ids() == range(3, 11));
}

TEST_CASE("a resume point the store no longer holds gets ssehub.gap first") {
    Fixture f;
    for (uint64_t ms = 1; ms <= 6; ++ms)
        publish(f.hub, ms);
    FakeSubscriber s(f.hub);
    std::string resume = "1-0";
    f.hub.add(&s, {}, &resume, 0);
    f.store.answer(f.hub, 2, 3, false, EventId{2, 0}); // 1 was trimmed away
    std::vector<std::string> expected = {"gap"};
    for (const std::string& id : range(2, 6))
        expected.push_back(id);
    CHECK(s.ids() == expected);
    CHECK(s.out.find("\"reason\":\"too_old\"") != std::string::npos);
}

TEST_CASE("a replay ahead of this hub waits for it, then goes live without duplicates") {
    Fixture f;
    for (uint64_t ms = 1; ms <= 3; ++ms)
        publish(f.hub, ms);
    FakeSubscriber s(f.hub);
    std::string resume = "5-0"; // handed out by another node; this one has read up to 3
    f.hub.add(&s, {}, &resume, 0);
    f.store.answer(f.hub, 5, 5, true);
    publish(f.hub, 4);
    publish(f.hub, 5);
    publish(f.hub, 6);
    CHECK(s.ids() == range(6, 6));
}

TEST_CASE("a subscriber that leaves with a page in flight cancels it") {
    Fixture f;
    for (uint64_t ms = 1; ms <= 6; ++ms)
        publish(f.hub, ms);
    {
        FakeSubscriber s(f.hub);
        std::string resume = "1-0";
        f.hub.add(&s, {}, &resume, 0);
        REQUIRE(f.store.requests.size() == 1);
    }
    CHECK(f.store.requests[0]->subscriber == nullptr);
    f.store.answer(f.hub, 1, 3, false); // dropped, touches nothing
}

TEST_CASE("retained events are replayed but not delivered live; gaps reach everyone") {
    Fixture f;
    FakeSubscriber live(f.hub);
    f.hub.add(&live, {}, nullptr, 0);
    f.hub.retain(Event{EventId{1, 0}, "tick", "a", "", false});
    f.hub.retain(Event{EventId{2, 0}, "tick", "b", "", false});
    CHECK(live.ids().empty());
    FakeSubscriber resumed(f.hub);
    std::string resume = "1-0";
    f.hub.add(&resumed, {}, &resume, 0);
    CHECK(resumed.ids() == range(2, 2));
    f.hub.send_gap_to_all("upstream_lost", "2-0", 0);
    CHECK(live.ids() == std::vector<std::string>{"gap"});
    CHECK(f.hub.count_matching("", false) == 2);
}

// Holes (Hub::add_hole): ids the history log may have lost across a stop that was not clean.
namespace {

struct LoneHub {
    ssehub::metrics::Metrics metrics;
    Hub hub{HubLimits{10, 1u << 20, 1u << 20, 3000, 15000, {}, nullptr}, metrics};
    // The ring as a restart loads it: stored events 1..n, then a hole up to `until`.
    LoneHub(uint64_t stored, uint64_t until) {
        for (uint64_t ms = 1; ms <= stored; ++ms)
            hub.retain(Event{EventId{ms, 0}, "tick", "d", "", false});
        hub.add_hole(EventId{stored, 0}, EventId{until, 0});
    }
};

} // namespace

TEST_CASE("a replay across a hole gets one 'lost' gap where the hole is, naming it") {
    LoneHub h(3, 10);
    publish(h.hub, 11);
    FakeSubscriber s(h.hub);
    std::string resume = "1-0";
    h.hub.add(&s, {}, &resume, 0);
    CHECK(s.ids() == std::vector<std::string>{"2-0", "3-0", "gap", "11-0"});
    CHECK(s.out.find(R"("lost_after":"3-0","lost_before":"10-0")") != std::string::npos);
    CHECK(s.out.find(R"("reason":"lost")") != std::string::npos);
}

TEST_CASE("a resume from the newest stored id before a hole gets the gap, never silence") {
    LoneHub h(2, 10);
    FakeSubscriber s(h.hub);
    std::string resume = "2-0";
    h.hub.add(&s, {}, &resume, 0);
    CHECK(s.ids() == std::vector<std::string>{"gap"});
    publish(h.hub, 11);
    CHECK(s.ids() == std::vector<std::string>{"gap", "11-0"});
}

TEST_CASE("a resume from inside a hole gets the gap at once, then only what follows") {
    LoneHub h(2, 10);
    publish(h.hub, 11);
    FakeSubscriber s(h.hub);
    std::string resume = "5-0";
    h.hub.add(&s, {}, &resume, 0);
    CHECK(s.ids() == std::vector<std::string>{"gap", "11-0"});
    CHECK(s.out.find(R"("requested":"5-0")") != std::string::npos);
}

TEST_CASE("a resume after a hole crosses nothing, and a clean history has no gap") {
    LoneHub h(2, 10);
    publish(h.hub, 11);
    publish(h.hub, 12);
    FakeSubscriber after(h.hub);
    std::string resume = "11-0";
    h.hub.add(&after, {}, &resume, 0);
    CHECK(after.ids() == std::vector<std::string>{"12-0"});
    CHECK(h.metrics.gaps == 0);
}
