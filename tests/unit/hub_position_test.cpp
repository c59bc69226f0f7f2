// The hub's position (GET /ssehub/last-id): the id a page resumes from to get every event after
// it exactly once, with no ssehub.gap, also before the first event of a run (the start).
#include "metrics/metrics.hpp"
#include "sse/hub.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace ssehub::sse;
namespace net = ssehub::net;

namespace {

struct Recorder final : Subscriber {
    explicit Recorder(Hub& h) : hub(h) {}
    ~Recorder() { hub.remove(this); }
    bool send(const net::FrameRef& frame) override {
        out += frame->view();
        return true;
    }
    size_t queued_bytes() const override { return 0; }
    void drop(DropReason) override { hub.remove(this); }
    // The ids of the events received, in order; "gap" for an ssehub.gap event.
    std::vector<std::string> ids() const {
        std::vector<std::string> result;
        for (size_t start = 0; start < out.size();) {
            size_t end = out.find("\n\n", start);
            if (end == std::string::npos) break;
            std::string block = out.substr(start, end - start);
            if (block.find("event: ssehub.gap") != std::string::npos)
                result.push_back("gap");
            else if (block.starts_with("id: "))
                result.push_back(block.substr(4, block.find('\n') - 4));
            start = end + 2;
        }
        return result;
    }
    Hub& hub;
    std::string out;
};

void publish(Hub& hub, uint64_t ms) {
    hub.publish(Event{EventId{ms, 0}, "tick", "d", "", false}, 0);
}

std::vector<std::string> resume_from(Hub& hub, Recorder& r, const EventId& since) {
    std::string text = since.to_string();
    hub.add(&r, {}, &text, 0);
    return r.ids();
}

} // namespace

TEST_CASE("the position is the start until an event comes, then the newest event") {
    ssehub::metrics::Metrics m;
    Hub hub(HubLimits{}, m);
    CHECK_FALSE(hub.position()); // Redis: not read yet
    hub.set_start(EventId{100, 0});
    CHECK(hub.position() == EventId{100, 0});
    publish(hub, 101);
    CHECK(hub.position() == EventId{101, 0});
}

TEST_CASE("a resume from the start replays every event since, with no gap") {
    ssehub::metrics::Metrics m;
    Hub hub(HubLimits{}, m);
    hub.set_start(EventId{100, 0});
    Recorder r(hub);
    CHECK(resume_from(hub, r, EventId{100, 0}).empty()); // up to date
    publish(hub, 101);
    publish(hub, 102);
    Recorder late(hub);
    CHECK(resume_from(hub, late, EventId{100, 0}) == std::vector<std::string>{"101-0", "102-0"});
    publish(hub, 103);
    CHECK(late.ids() == std::vector<std::string>{"101-0", "102-0", "103-0"});
    CHECK(m.gaps == 0);
}

TEST_CASE("a resume from the position gets only later events") {
    ssehub::metrics::Metrics m;
    Hub hub(HubLimits{}, m);
    hub.set_start(EventId{100, 0});
    publish(hub, 101);
    EventId since = *hub.position();
    publish(hub, 102);
    Recorder r(hub);
    CHECK(resume_from(hub, r, since) == std::vector<std::string>{"102-0"});
    CHECK(m.gaps == 0);
}

TEST_CASE("once events after the start left the ring, a resume from it is a gap") {
    ssehub::metrics::Metrics m;
    HubLimits limits;
    limits.history_events = 2;
    Hub hub(limits, m);
    hub.set_start(EventId{100, 0});
    publish(hub, 101);
    publish(hub, 102);
    publish(hub, 103);
    Recorder r(hub);
    CHECK(resume_from(hub, r, EventId{100, 0}) ==
          std::vector<std::string>{"gap", "102-0", "103-0"});
}

TEST_CASE("the start may follow events retained before it (Redis: entries of other programs)") {
    ssehub::metrics::Metrics m;
    Hub hub(HubLimits{}, m);
    hub.retain(Event{EventId{50, 0}, "tick", "d", "", false});
    hub.set_start(EventId{60, 0}); // the stream's last entry was not an ssehub event
    CHECK(hub.position() == EventId{60, 0});
    Recorder r(hub);
    CHECK(resume_from(hub, r, EventId{60, 0}).empty());
    publish(hub, 61);
    CHECK(r.ids() == std::vector<std::string>{"61-0"});
    Recorder late(hub);
    CHECK(resume_from(hub, late, EventId{60, 0}) == std::vector<std::string>{"61-0"});
    CHECK(m.gaps == 0);
}

TEST_CASE("an id that is neither retained nor the start is still a gap") {
    ssehub::metrics::Metrics m;
    Hub hub(HubLimits{}, m);
    hub.set_start(EventId{100, 0});
    publish(hub, 101);
    Recorder r(hub);
    CHECK(resume_from(hub, r, EventId{99, 0}) == std::vector<std::string>{"gap", "101-0"});
}
