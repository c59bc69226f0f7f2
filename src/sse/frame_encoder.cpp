#include "sse/frame_encoder.hpp"

#include <charconv>
#include <cstring>
#include <string>

namespace ssehub::sse {

namespace {

// Calls line(begin, end) for each line of data; CRLF, LF and lone CR all end a line.
template <typename F> void for_each_line(std::string_view data, F&& line) {
    size_t start = 0;
    size_t i = 0;
    while (i < data.size()) {
        char c = data[i];
        if (c == '\n' || c == '\r') {
            line(data.substr(start, i - start));
            i += (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') ? 2 : 1;
            start = i;
        } else {
            ++i;
        }
    }
    line(data.substr(start));
}

void put(char*& out, std::string_view s) {
    std::memcpy(out, s.data(), s.size());
    out += s.size();
}

net::FrameRef encode(const EventId* id, std::string_view type, std::string_view data,
                     std::string_view topic) {
    std::string id_text = id ? id->to_string() : std::string();
    bool with_type = type != "message";

    size_t size = 1; // the blank line that dispatches
    if (id) size += 4 + id_text.size() + 1;
    if (with_type) size += 7 + type.size() + 1;
    if (!topic.empty()) size += 7 + topic.size() + 1;
    for_each_line(data, [&](std::string_view l) { size += 6 + l.size() + 1; });

    char* out = nullptr;
    net::FrameRef frame = net::Frame::allocate(size, &out);
    if (id) {
        put(out, "id: ");
        put(out, id_text);
        put(out, "\n");
    }
    if (with_type) {
        put(out, "event: ");
        put(out, type);
        put(out, "\n");
    }
    if (!topic.empty()) {
        put(out, "topic: ");
        put(out, topic);
        put(out, "\n");
    }
    for_each_line(data, [&](std::string_view l) {
        put(out, "data: ");
        put(out, l);
        put(out, "\n");
    });
    put(out, "\n");
    return frame;
}

} // namespace

net::FrameRef encode_event(const Event& event) {
    return encode(&event.id, event.type, event.data, event.topic);
}

net::FrameRef encode_hub_event(std::string_view type, std::string_view data, const EventId* id) {
    return encode(id, type, data, {});
}

net::FrameRef encode_stream_open(unsigned retry_ms) {
    std::string s = "retry: " + std::to_string(retry_ms) + "\n: ssehub " SSEHUB_VERSION "\n\n";
    return net::Frame::copy_of(s);
}

} // namespace ssehub::sse
