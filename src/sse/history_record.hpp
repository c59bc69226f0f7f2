// One record of the history log (history_log.hpp), and its byte form. Every record delimits
// itself and carries its own checksum, so a reader can tell a whole record from a torn or
// damaged one without trusting anything after it:
//
//   u32 length (of the payload) | u32 CRC-32C (of the length bytes, then the payload) | payload
//   payload: u8 kind | u64 id.ms | u64 id.seq | by kind:
//     Event: u8 flags (1: broadcast) | u32 type length | u32 topic length | type | topic | data
//     Close: nothing more (a clean stop: every event before it was stored)
//     Hole:  u64 until.ms | u64 until.seq (events between id and until were not stored)
//
// Integers are little-endian. A segment file starts with segment_magic, then records.
#pragma once

#include "sse/event.hpp"
#include "sse/event_id.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ssehub::sse {

inline constexpr std::string_view segment_magic = "SSEHIST1";
inline constexpr size_t record_header_bytes = 8;
// Larger than any event the hub accepts (--max-event-bytes is at most 1 GiB): a length past it
// was not written by us.
inline constexpr uint32_t max_record_payload = (1u << 30) + (1u << 20);

enum class RecordKind : uint8_t { Event = 1, Close = 2, Hole = 3 };

struct HistoryRecord {
    RecordKind kind = RecordKind::Event;
    // Event: its event (views into the decoded bytes). Close: event.id is the last id stored.
    // Hole: event.id is the last id stored before the hole.
    Event event;
    EventId until; // Hole: the first id after the hole; the lost ids lie strictly between
};

void append_record(std::string& out, const HistoryRecord& record);

enum class DecodeStatus { Ok, Incomplete, Corrupt };
struct DecodedRecord {
    DecodeStatus status = DecodeStatus::Corrupt;
    size_t size = 0; // Ok: bytes the record took
    HistoryRecord record;
};
// Decodes the record at the start of `bytes`. Incomplete: the bytes end inside it (a torn
// tail when nothing follows). Corrupt: a bad length, checksum, kind or field length.
DecodedRecord decode_record(std::string_view bytes);

} // namespace ssehub::sse
