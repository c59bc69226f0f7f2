// The client's event-stream parser against the WHATWG "Parsing an event stream" rules, and
// against what the hub's own frame encoder writes.
#include "cli/sse_parser.hpp"
#include "cli/utf8_decoder.hpp"
#include "sse/frame_encoder.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using ssehub::cli::SseEvent;
using ssehub::cli::SseParser;
using ssehub::cli::Utf8Decoder;

namespace {

std::vector<SseEvent> parse(std::string_view stream) {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed(stream, out));
    return out;
}

// Feeds the stream in pieces of `step` bytes.
std::vector<SseEvent> parse_in_pieces(std::string_view stream, size_t step) {
    SseParser p;
    std::vector<SseEvent> out;
    for (size_t i = 0; i < stream.size(); i += step)
        REQUIRE(p.feed(stream.substr(i, step), out));
    return out;
}

void check_event(const SseEvent& e, std::string_view id, std::string_view type,
                 std::string_view data) {
    CHECK(e.id == id);
    CHECK(e.type == type);
    CHECK(e.data == data);
}

} // namespace

TEST_CASE("sse: a blank line dispatches id, event and data") {
    auto events = parse("id: 7\nevent: update\ndata: hello\n\n");
    REQUIRE(events.size() == 1);
    check_event(events[0], "7", "update", "hello");
}

TEST_CASE("sse: an event without a type is a message") {
    auto events = parse("data: x\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == "message");
}

TEST_CASE("sse: several data lines join with LF, and no trailing LF is kept") {
    auto events = parse("data: a\ndata: b\ndata:\ndata: c\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "a\nb\n\nc");
}

TEST_CASE("sse: LF, CRLF and lone CR all end lines, mixed in one stream") {
    auto events = parse("data: a\r\ndata: b\rdata: c\n\r\nevent: e\rdata: d\r\r");
    REQUIRE(events.size() == 2);
    CHECK(events[0].data == "a\nb\nc");
    check_event(events[1], "", "e", "d");
}

TEST_CASE("sse: a CRLF split across two reads is one line break, not two") {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed("data: a\r", out));
    REQUIRE(p.feed("\ndata: b\r", out));
    REQUIRE(p.feed("\n\r", out));
    REQUIRE(p.feed("\n", out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].data == "a\nb");
}

TEST_CASE("sse: a CR at the end of a read followed by a new line still counts once") {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed("data: a\r", out));
    REQUIRE(p.feed("data: b\r", out));
    REQUIRE(p.feed("\r", out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].data == "a\nb");
}

TEST_CASE("sse: every split of the input gives the same events") {
    std::string stream = "\xEF\xBB\xBFretry: 1500\r\n: hello\r\nid: 1-0\r\nevent: t\r\ndata: "
                         "\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80\r\ndata: two\r\n\r\n:hb\n"
                         "id: 2-0\rdata: x\r\r";
    auto whole = parse(stream);
    REQUIRE(whole.size() == 2);
    check_event(whole[0], "1-0", "t", "\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80\ntwo");
    check_event(whole[1], "2-0", "message", "x");
    for (size_t step = 1; step <= stream.size(); ++step) {
        CAPTURE(step);
        auto pieces = parse_in_pieces(stream, step);
        REQUIRE(pieces.size() == whole.size());
        for (size_t i = 0; i < whole.size(); ++i) {
            check_event(pieces[i], whole[i].id, whole[i].type, whole[i].data);
        }
    }
}

TEST_CASE("sse: comments are ignored and do not dispatch") {
    auto events = parse(": comment\n:\n: another\ndata: x\n: between\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "x");
}

TEST_CASE("sse: only one space after the colon is removed") {
    auto events = parse("data:no space\ndata:  two spaces\ndata:\ttab\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "no space\n two spaces\n\ttab");
}

TEST_CASE("sse: a field name alone has an empty value") {
    auto events = parse("data\ndata\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "\n");
}

TEST_CASE("sse: unknown fields are ignored, names are case-sensitive") {
    auto events = parse("Data: no\nfoo: bar\nEVENT: x\ndata: yes\n\n");
    REQUIRE(events.size() == 1);
    check_event(events[0], "", "message", "yes");
}

TEST_CASE("sse: an event with no data line is not dispatched, and its type is forgotten") {
    auto events = parse("event: lonely\n\ndata: x\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].type == "message");
}

TEST_CASE("sse: an empty data line dispatches an event with empty data") {
    auto events = parse("event: tick\ndata: \n\n");
    REQUIRE(events.size() == 1);
    check_event(events[0], "", "tick", "");
}

TEST_CASE("sse: an unfinished event at the end of the input is held back") {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed("data: a\n", out));
    CHECK(out.empty());
    REQUIRE(p.feed("\n", out));
    CHECK(out.size() == 1);
}

TEST_CASE("sse: the last event id persists across events until the stream changes it") {
    auto events = parse("id: 5\ndata: a\n\ndata: b\n\nid\ndata: c\n\n");
    REQUIRE(events.size() == 3);
    CHECK(events[0].id == "5");
    CHECK(events[1].id == "5");
    CHECK(events[2].id == ""); // an empty id resets it
}

TEST_CASE("sse: an id containing NUL is ignored") {
    SseParser p;
    std::vector<SseEvent> out;
    static const char stream[] = "id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n";
    REQUIRE(p.feed(std::string_view(stream, sizeof stream - 1), out));
    REQUIRE(out.size() == 2);
    CHECK(out[1].id == "1");
    CHECK(p.last_event_id() == "1");
}

TEST_CASE("sse: an id line without data still sets the last event id") {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed("id: 42\n\n", out));
    CHECK(out.empty());
    CHECK(p.last_event_id() == "42");
}

TEST_CASE("sse: retry takes only ASCII digits") {
    SseParser p;
    std::vector<SseEvent> out;
    CHECK(!p.retry_ms());
    REQUIRE(p.feed("retry: 2500\n", out));
    CHECK(p.retry_ms() == 2500u);
    REQUIRE(p.feed("retry: 12x\nretry: -1\nretry:\nretry: 1.5\nretry:  7\n", out));
    CHECK(p.retry_ms() == 2500u);
    REQUIRE(p.feed("retry:0\n", out));
    CHECK(p.retry_ms() == 0u);
    REQUIRE(p.feed("retry: 99999999999999999999999999\n", out));
    CHECK(p.retry_ms() == UINT64_MAX);
    CHECK(out.empty());
}

TEST_CASE("sse: a byte order mark is dropped only at the start of the stream") {
    auto events = parse("\xEF\xBB\xBF"
                        "data: a\n\n\xEF\xBB\xBF"
                        "data: b\n\n");
    REQUIRE(events.size() == 1); // the second BOM makes "\uFEFFdata" an unknown field
    CHECK(events[0].data == "a");
    // Split byte by byte, the first one is still recognised.
    auto split = parse_in_pieces("\xEF\xBB\xBF"
                                 "data: a\n\n",
                                 1);
    REQUIRE(split.size() == 1);
    CHECK(split[0].data == "a");
}

TEST_CASE("sse: invalid UTF-8 becomes U+FFFD") {
    auto events = parse("data: a\xFF"
                        "b\xC3\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "a\xEF\xBF\xBD"
                            "b\xEF\xBF\xBD");
}

TEST_CASE("sse: restart forgets the unfinished event but keeps the last id and retry") {
    SseParser p;
    std::vector<SseEvent> out;
    REQUIRE(p.feed("retry: 800\nid: 9\ndata: done\n\nevent: half\ndata: lost", out));
    REQUIRE(out.size() == 1);
    p.restart();
    REQUIRE(p.feed("\xEF\xBB\xBF"
                   "data: new\n\n",
                   out));
    REQUIRE(out.size() == 2);
    check_event(out[1], "9", "message", "new");
    CHECK(p.retry_ms() == 800u);
    CHECK(p.last_event_id() == "9");
}

TEST_CASE("sse: a preset last event id (--last-event-id) is what events carry until changed") {
    SseParser p;
    p.set_last_event_id("100-1");
    p.restart();
    std::vector<SseEvent> out;
    REQUIRE(p.feed("data: x\n\n", out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].id == "100-1");
}

TEST_CASE("sse: a line or event past the bound makes feed fail instead of growing") {
    SseParser p(64);
    std::vector<SseEvent> out;
    CHECK(p.feed("data: short\n\n", out));
    CHECK(!p.feed(std::string(100, 'x'), out));
    SseParser q(64);
    std::string many;
    for (int i = 0; i < 20; ++i)
        many += "data: 12345\n";
    CHECK(!q.feed(many, out));
}

TEST_CASE("sse: what the hub's encoder writes parses back to the same event") {
    using ssehub::sse::encode_event;
    using ssehub::sse::EventId;
    EventId id{1700000000000, 3};
    const char* datas[] = {"plain",
                           "two\nlines",
                           "crlf\r\nand\rcr",
                           "",
                           "\n",
                           "trailing\n",
                           "event: evil\nid: 9\n\ndata: y",
                           ":not a comment"};
    for (const char* data : datas) {
        CAPTURE(data);
        auto frame = encode_event(ssehub::sse::Event{id, "kind", data, "", false});
        auto events = parse(frame->view());
        REQUIRE(events.size() == 1);
        std::string expected = data;
        // Every line break form becomes LF.
        for (size_t i = 0; (i = expected.find('\r', i)) != std::string::npos;) {
            if (i + 1 < expected.size() && expected[i + 1] == '\n')
                expected.erase(i, 1);
            else
                expected[i] = '\n';
        }
        check_event(events[0], "1700000000000-3", "kind", expected);
    }
}

TEST_CASE("utf8: split sequences are joined and bad ones replaced once each") {
    Utf8Decoder d;
    std::string out;
    d.decode("\xE2\x82", out);
    CHECK(out.empty());
    d.decode("\xAC!", out);
    CHECK(out == "\xE2\x82\xAC!");
    out.clear();
    d.decode("\xED\xA0\x80", out); // a UTF-16 surrogate: not UTF-8
    CHECK(out == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    out.clear();
    d.decode("\xF0\x9F", out);
    d.finish(out); // truncated at the end of the stream
    CHECK(out == "\xEF\xBF\xBD");
    out.clear();
    d.decode("\xC0\xAF", out); // overlong
    CHECK(out == "\xEF\xBF\xBD\xEF\xBF\xBD");
}
