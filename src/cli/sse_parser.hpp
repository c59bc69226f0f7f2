// The event-stream parser of the WHATWG HTML standard ("Parsing an event stream", as used by
// EventSource): bytes in, dispatched events out. UTF-8 decoding, then the client side's one
// line and field reader (sse_field_reader.hpp), then what EventSource makes of the fields.
// Pure and incremental: any split of the input into reads gives the same events. Never does
// I/O and never throws on hostile input; a line or event past the size bound makes feed()
// return false instead of growing without end.
#pragma once

#include "cli/sse_field_reader.hpp"
#include "cli/utf8_decoder.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssehub::cli {

struct SseEvent {
    std::string id;   // the last event ID when it was dispatched (persists across events)
    std::string type; // "message" when the stream named none
    std::string data; // data: lines joined by "\n"
};

class SseParser {
  public:
    static constexpr size_t default_max_bytes = size_t{64} << 20;

    explicit SseParser(size_t max_bytes = default_max_bytes) : max_bytes_(max_bytes) {}

    // Parses the next bytes of the stream and appends every event they complete to `out`.
    // Returns false when an unfinished line plus the event being built exceed max_bytes; the
    // stream is then unusable until restart().
    bool feed(std::string_view bytes, std::vector<SseEvent>& out);

    // A new connection begins: forget the unfinished line and event, expect a byte order mark
    // again. The last event ID and the reconnection time survive, as in EventSource.
    void restart();

    const std::string& last_event_id() const { return last_id_; }
    void set_last_event_id(std::string id) { last_id_ = std::move(id); }
    // The reconnection time from the newest valid retry: field, if any arrived.
    std::optional<uint64_t> retry_ms() const { return retry_ms_; }

  private:
    struct EventSink; // the reader's sink: fields into the buffers below, events into `out`

    void process_field(std::string_view name, std::string_view value);
    void dispatch(std::vector<SseEvent>& out);

    size_t max_bytes_;
    Utf8Decoder decoder_;
    std::string decoded_; // this read's bytes as text (kept for its capacity)
    SseFieldReader reader_;
    std::string data_;      // data buffer
    std::string type_;      // event type buffer
    std::string id_buffer_; // last event ID buffer
    std::string last_id_;   // last event ID string (what a reconnect sends)
    std::optional<uint64_t> retry_ms_;
};

} // namespace ssehub::cli
