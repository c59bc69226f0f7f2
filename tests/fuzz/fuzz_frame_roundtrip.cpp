// Frame encoder round trip: any event the hub accepts must reach an EventSource as exactly
// one event with the same type, the same data (line breaks normalised to LF, NUL kept), its id
// and its topic. Input: type \x01 data, or type \x01 topic \x02 data.
#include "sse/event_validation.hpp"
#include "sse/frame_encoder.hpp"
#include "sse_reference_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    size_t split = input.find('\x01');
    std::string_view type = split == std::string_view::npos ? "message" : input.substr(0, split);
    std::string_view data = split == std::string_view::npos ? input : input.substr(split + 1);
    std::optional<std::string_view> topic;
    if (size_t t = data.find('\x02'); split != std::string_view::npos && t != data.npos) {
        topic = data.substr(0, t);
        data = data.substr(t + 1);
    }
    if (ssehub::sse::validate_event(type, topic, data, 1 << 20)) return 0; // refused: never sent

    ssehub::sse::EventId id{static_cast<uint64_t>(size) * 1000, static_cast<uint64_t>(split)};
    ssehub::net::FrameRef frame =
        ssehub::sse::encode_event(ssehub::sse::Event{id, type, data, topic.value_or(""), false});
    auto events = ssehub::fuzz::parse_event_stream(frame->view());

    std::string expected;
    for (size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r') {
            expected += '\n';
            if (i + 1 < data.size() && data[i + 1] == '\n') ++i;
        } else {
            expected += data[i];
        }
    }
    if (events.size() != 1 || events[0].type != type || events[0].data != expected ||
        events[0].last_event_id != id.to_string() || events[0].topic != topic.value_or(""))
        std::abort();
    return 0;
}
