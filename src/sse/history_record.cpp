#include "sse/history_record.hpp"

#include "base/crc32c.hpp"

namespace ssehub::sse {

namespace {

void put_u32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put_u64(std::string& out, uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_le(std::string_view bytes, size_t at, int width) {
    uint64_t v = 0;
    for (int i = 0; i < width; ++i)
        v |= uint64_t{static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)])} << (8 * i);
    return v;
}

constexpr size_t id_bytes = 16;
constexpr size_t event_fixed = 1 + id_bytes + 1 + 4 + 4;

} // namespace

void append_record(std::string& out, const HistoryRecord& r) {
    size_t start = out.size();
    out.append(record_header_bytes, '\0'); // filled in below
    out.push_back(static_cast<char>(r.kind));
    put_u64(out, r.event.id.ms);
    put_u64(out, r.event.id.seq);
    if (r.kind == RecordKind::Event) {
        out.push_back(static_cast<char>(r.event.broadcast ? 1 : 0));
        put_u32(out, static_cast<uint32_t>(r.event.type.size()));
        put_u32(out, static_cast<uint32_t>(r.event.topic.size()));
        out.append(r.event.type);
        out.append(r.event.topic);
        out.append(r.event.data);
    } else if (r.kind == RecordKind::Hole) {
        put_u64(out, r.until.ms);
        put_u64(out, r.until.seq);
    }
    auto length = static_cast<uint32_t>(out.size() - start - record_header_bytes);
    std::string header;
    put_u32(header, length);
    uint32_t crc = base::crc32c(header.data(), 4);
    crc = base::crc32c(out.data() + start + record_header_bytes, length, crc);
    put_u32(header, crc);
    out.replace(start, record_header_bytes, header);
}

DecodedRecord decode_record(std::string_view bytes) {
    DecodedRecord d;
    if (bytes.size() < record_header_bytes) {
        d.status = DecodeStatus::Incomplete;
        return d;
    }
    auto length = static_cast<uint32_t>(get_le(bytes, 0, 4));
    if (length > max_record_payload || length < 1 + id_bytes) return d; // Corrupt
    if (bytes.size() - record_header_bytes < length) {
        d.status = DecodeStatus::Incomplete;
        return d;
    }
    uint32_t crc = base::crc32c(bytes.data(), 4);
    crc = base::crc32c(bytes.data() + record_header_bytes, length, crc);
    if (crc != static_cast<uint32_t>(get_le(bytes, 4, 4))) return d;

    std::string_view p = bytes.substr(record_header_bytes, length);
    HistoryRecord& r = d.record;
    r.event.id = EventId{get_le(p, 1, 8), get_le(p, 9, 8)};
    switch (static_cast<RecordKind>(p[0])) {
    case RecordKind::Event: {
        if (p.size() < event_fixed) return d;
        auto flags = static_cast<unsigned char>(p[17]);
        uint64_t type_len = get_le(p, 18, 4), topic_len = get_le(p, 22, 4);
        if (flags > 1 || type_len + topic_len > p.size() - event_fixed) return d;
        r.kind = RecordKind::Event;
        r.event.broadcast = flags == 1;
        r.event.type = p.substr(event_fixed, type_len);
        r.event.topic = p.substr(event_fixed + type_len, topic_len);
        r.event.data = p.substr(event_fixed + type_len + topic_len);
        break;
    }
    case RecordKind::Close:
        if (p.size() != 1 + id_bytes) return d;
        r.kind = RecordKind::Close;
        break;
    case RecordKind::Hole:
        if (p.size() != 1 + 2 * id_bytes) return d;
        r.kind = RecordKind::Hole;
        r.until = EventId{get_le(p, 17, 8), get_le(p, 25, 8)};
        break;
    default:
        return d;
    }
    d.status = DecodeStatus::Ok;
    d.size = record_header_bytes + length;
    return d;
}

} // namespace ssehub::sse
