// An SSE parser written from the WHATWG HTML standard ("Parsing an event stream" and
// "Interpreting an event stream"), independent of our encoder, so the fuzzer can check that
// what a publisher sends is exactly what a page's EventSource dispatches. A test's oracle, not
// a second product parser: it is kept apart from the client's (src/cli/sse_field_reader.hpp)
// on purpose, simple rather than fast, so that the two can disagree when one is wrong.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ssehub::fuzz {

struct DispatchedEvent {
    std::string type;
    std::string data;
    std::string last_event_id;
    std::string topic; // ssehub's extension field, read by /ssehub.js; EventSource ignores it
};

inline std::vector<DispatchedEvent> parse_event_stream(std::string_view stream) {
    std::vector<DispatchedEvent> out;
    std::string data, type, last_id, topic;
    size_t pos = 0;
    if (stream.substr(0, 3) == "\xEF\xBB\xBF") pos = 3; // one leading BOM is ignored
    while (pos < stream.size()) {
        size_t end = stream.find_first_of("\r\n", pos);
        if (end == std::string_view::npos) break; // an unterminated line is never processed
        std::string_view line = stream.substr(pos, end - pos);
        pos = end +
              ((stream[end] == '\r' && end + 1 < stream.size() && stream[end + 1] == '\n') ? 2 : 1);
        if (line.empty()) { // dispatch
            if (data.empty()) {
                type.clear();
                continue;
            }
            if (data.back() == '\n') data.pop_back();
            out.push_back({type.empty() ? "message" : type, data, last_id, topic});
            data.clear();
            type.clear();
            topic.clear();
            continue;
        }
        if (line.front() == ':') continue; // comment
        std::string_view field = line, value;
        if (size_t colon = line.find(':'); colon != std::string_view::npos) {
            field = line.substr(0, colon);
            value = line.substr(colon + 1);
            if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
        }
        if (field == "event") {
            type = value;
        } else if (field == "data") {
            data += value;
            data += '\n';
        } else if (field == "id") {
            if (value.find('\0') == std::string_view::npos) last_id = value;
        } else if (field == "topic") {
            topic = value;
        }
        // "retry" and unknown fields do not affect dispatch.
    }
    return out;
}

} // namespace ssehub::fuzz
