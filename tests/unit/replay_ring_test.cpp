#include "net/frame.hpp"
#include "sse/replay_ring.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace ssehub::sse;
namespace net = ssehub::net;

static RetainedEvent ev(uint64_t ms, size_t bytes = 10) {
    return RetainedEvent{EventId{ms, 0}, "", false, net::Frame::copy_of(std::string(bytes, 'x'))};
}

TEST_CASE("the ring keeps the newest events, bounded by count") {
    ReplayRing ring(3, 1 << 20);
    for (uint64_t i = 1; i <= 5; ++i)
        ring.push(ev(i));
    CHECK(ring.size() == 3);
    CHECK(ring.oldest() == EventId{3, 0});
    CHECK(ring.last_evicted() == EventId{2, 0});
}

TEST_CASE("the ring is bounded by bytes, whichever bites first") {
    ReplayRing ring(100, 25);
    for (uint64_t i = 1; i <= 5; ++i)
        ring.push(ev(i, 10));
    CHECK(ring.size() == 2);
    CHECK(ring.bytes() == 20);
    CHECK(ring.oldest() == EventId{4, 0});
}

TEST_CASE("lookup finds the first event after an id, across wrap-around") {
    ReplayRing ring(4, 1 << 20);
    for (uint64_t i = 10; i <= 100; i += 10)
        ring.push(ev(i));
    // retained: 70 80 90 100
    CHECK(ring.first_after(EventId{70, 0}) == 1);
    CHECK(ring.first_after(EventId{75, 0}) == 1);
    CHECK(ring.first_after(EventId{100, 0}) == 4);
    CHECK(ring.first_after(EventId{1, 0}) == 0);
    CHECK(ring.contains(EventId{80, 0}));
    CHECK_FALSE(ring.contains(EventId{85, 0}));
}

TEST_CASE("shrinking the limits evicts at once") {
    ReplayRing ring(10, 1 << 20);
    for (uint64_t i = 1; i <= 10; ++i)
        ring.push(ev(i));
    ring.set_limits(2, 1 << 20);
    CHECK(ring.size() == 2);
    CHECK(ring.last_evicted() == EventId{8, 0});
}

TEST_CASE("the ring shares the frame it was given") {
    ReplayRing ring(10, 1 << 20);
    RetainedEvent e = ev(1);
    const net::Frame* f = e.frame.get();
    ring.push(e);
    CHECK(ring.at(0).frame.get() == f);
}
