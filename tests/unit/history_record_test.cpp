// The history log's record codec: what it writes it reads back, and every way a record can be
// torn or damaged is told apart from a whole one.
#include "base/crc32c.hpp"
#include "sse/history_record.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace ssehub::sse;

static HistoryRecord event_record(uint64_t ms, uint64_t seq, std::string_view type,
                                  std::string_view topic, std::string_view data,
                                  bool broadcast = false) {
    return HistoryRecord{
        RecordKind::Event, Event{EventId{ms, seq}, type, data, topic, broadcast}, {}};
}

TEST_CASE("crc32c matches the standard check value") {
    CHECK(ssehub::base::crc32c("123456789", 9) == 0xE3069283u);
    // Chaining over two pieces is the same as one pass.
    CHECK(ssehub::base::crc32c("6789", 4, ssehub::base::crc32c("12345", 5)) == 0xE3069283u);
}

TEST_CASE("an event record reads back with every field") {
    std::string bytes;
    append_record(bytes, event_record(1700000000123, 7, "update", "todo/1", "a\nb\r\nc", false));
    DecodedRecord d = decode_record(bytes);
    REQUIRE(d.status == DecodeStatus::Ok);
    CHECK(d.size == bytes.size());
    CHECK(d.record.kind == RecordKind::Event);
    CHECK(d.record.event.id == EventId{1700000000123, 7});
    CHECK(d.record.event.type == "update");
    CHECK(d.record.event.topic == "todo/1");
    CHECK(d.record.event.data == "a\nb\r\nc");
    CHECK_FALSE(d.record.event.broadcast);
}

TEST_CASE("a broadcast with empty topic and data, a close and a hole read back") {
    std::string bytes;
    append_record(bytes, event_record(5, 0, "todochanged", "", "", true));
    append_record(bytes,
                  HistoryRecord{RecordKind::Hole, Event{EventId{5, 0}, {}, {}, {}}, EventId{9, 0}});
    append_record(bytes, HistoryRecord{RecordKind::Close, Event{EventId{5, 0}, {}, {}, {}}, {}});
    std::string_view rest = bytes;
    DecodedRecord a = decode_record(rest);
    REQUIRE(a.status == DecodeStatus::Ok);
    CHECK(a.record.event.broadcast);
    CHECK(a.record.event.topic.empty());
    CHECK(a.record.event.data.empty());
    rest.remove_prefix(a.size);
    DecodedRecord h = decode_record(rest);
    REQUIRE(h.status == DecodeStatus::Ok);
    CHECK(h.record.kind == RecordKind::Hole);
    CHECK(h.record.event.id == EventId{5, 0});
    CHECK(h.record.until == EventId{9, 0});
    rest.remove_prefix(h.size);
    DecodedRecord c = decode_record(rest);
    REQUIRE(c.status == DecodeStatus::Ok);
    CHECK(c.record.kind == RecordKind::Close);
    CHECK(c.size == rest.size());
}

TEST_CASE("every cut of a record is incomplete, never a record") {
    std::string bytes;
    append_record(bytes, event_record(42, 1, "message", "t", "hello world"));
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
        CAPTURE(cut);
        CHECK(decode_record(std::string_view(bytes).substr(0, cut)).status ==
              DecodeStatus::Incomplete);
    }
}

TEST_CASE("every flipped bit is caught") {
    std::string bytes;
    append_record(bytes, event_record(42, 1, "message", "topic", "payload"));
    for (size_t i = 0; i < bytes.size(); ++i) {
        for (int bit = 0; bit < 8; ++bit) {
            std::string damaged = bytes;
            damaged[i] = static_cast<char>(damaged[i] ^ (1 << bit));
            CAPTURE(i);
            CAPTURE(bit);
            // A flipped length bit may make the record look longer (incomplete) or wrong.
            CHECK(decode_record(damaged).status != DecodeStatus::Ok);
        }
    }
}

TEST_CASE("a length past the bound is damage, not a wait for more bytes") {
    std::string bytes(16, '\xff');
    CHECK(decode_record(bytes).status == DecodeStatus::Corrupt);
}
