#include "sse/frame_encoder.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace ssehub::sse;
namespace net = ssehub::net;

static std::string encode(std::string_view type, std::string_view data) {
    EventId id{1700000000000, 3};
    return std::string(encode_event(Event{id, type, data, "", false})->view());
}

TEST_CASE("a frame carries id, type and one data line, then a blank line") {
    CHECK(encode("greeting", "hello") == "id: 1700000000000-3\nevent: greeting\ndata: hello\n\n");
}

TEST_CASE("the default type message is left out of the frame") {
    CHECK(encode("message", "x") == "id: 1700000000000-3\ndata: x\n\n");
}

TEST_CASE("every line break form starts a new data line") {
    CHECK(encode("message", "a\nb") == "id: 1700000000000-3\ndata: a\ndata: b\n\n");
    CHECK(encode("message", "a\r\nb") == "id: 1700000000000-3\ndata: a\ndata: b\n\n");
    CHECK(encode("message", "a\rb") == "id: 1700000000000-3\ndata: a\ndata: b\n\n");
    CHECK(encode("message", "a\n\rb") == "id: 1700000000000-3\ndata: a\ndata: \ndata: b\n\n");
    CHECK(encode("message", "a\n") == "id: 1700000000000-3\ndata: a\ndata: \n\n");
}

TEST_CASE("a publisher cannot forge a field or a second event through data") {
    std::string f = encode("message", "x\n\nevent: evil\r\nid: 9\rdata: y");
    CHECK(f == "id: 1700000000000-3\ndata: x\ndata: \ndata: event: evil\ndata: id: 9\ndata: data: "
               "y\n\n");
    // Exactly one blank line, at the end: one event.
    CHECK(f.find("\n\n") == f.size() - 2);
}

TEST_CASE("empty data still dispatches: one empty data line") {
    CHECK(encode("tick", "") == "id: 1700000000000-3\nevent: tick\ndata: \n\n");
}

TEST_CASE("UTF-8 data passes through unchanged") {
    CHECK(encode("message", "grüße ✓ 😀") == "id: 1700000000000-3\ndata: grüße ✓ 😀\n\n");
}

TEST_CASE("an event without id has no id line") {
    CHECK(std::string(encode_hub_event("ssehub.gap", "{}")->view()) ==
          "event: ssehub.gap\ndata: {}\n\n");
}

TEST_CASE("frames are shared by reference, not copied") {
    net::FrameRef a = net::Frame::copy_of("abc");
    net::FrameRef b = a;
    CHECK(a.get() == b.get());
    CHECK(a.use_count() == 2);
    b = net::FrameRef();
    CHECK(a.use_count() == 1);
}

TEST_CASE("an event published to a topic names it in a topic field, after the type") {
    EventId id{1700000000000, 3};
    CHECK(encode_event(Event{id, "t", "x", "news", false})->view() ==
          "id: 1700000000000-3\nevent: t\ntopic: news\ndata: x\n\n");
    CHECK(encode_event(Event{id, "message", "x", "", false})->view() ==
          "id: 1700000000000-3\ndata: x\n\n");
}
