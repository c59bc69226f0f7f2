#include "cli/sse_parser.hpp"

#include <limits>

namespace ssehub::cli {

namespace {

bool all_ascii_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

// Base-ten value of a digit string, saturating instead of overflowing.
uint64_t saturating_parse(std::string_view digits) {
    constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
    uint64_t v = 0;
    for (char c : digits) {
        auto d = static_cast<uint64_t>(c - '0');
        if (v > (max - d) / 10) return max;
        v = v * 10 + d;
    }
    return v;
}

} // namespace

struct SseParser::EventSink {
    SseParser& parser;
    std::vector<SseEvent>& out;

    void field(std::string_view name, std::string_view value) { parser.process_field(name, value); }
    void dispatch() { parser.dispatch(out); }
};

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
    decoded_.clear();
    decoder_.decode(bytes, decoded_);
    EventSink sink{*this, out};
    reader_.feed(decoded_, sink);
    return reader_.buffered() + data_.size() + type_.size() + id_buffer_.size() <= max_bytes_;
}

void SseParser::restart() {
    decoder_ = Utf8Decoder();
    reader_.restart();
    data_.clear();
    type_.clear();
    id_buffer_ = last_id_;
}

void SseParser::process_field(std::string_view name, std::string_view value) {
    if (name == "event") {
        type_ = value;
    } else if (name == "data") {
        data_ += value;
        data_ += '\n';
    } else if (name == "id") {
        if (value.find('\0') == std::string_view::npos) id_buffer_ = value;
    } else if (name == "retry") {
        if (all_ascii_digits(value)) retry_ms_ = saturating_parse(value);
    }
    // Any other field is ignored.
}

void SseParser::dispatch(std::vector<SseEvent>& out) {
    last_id_ = id_buffer_;
    if (data_.empty()) {
        type_.clear();
        return;
    }
    data_.pop_back(); // the LF after the last data line
    out.push_back(
        SseEvent{last_id_, type_.empty() ? "message" : std::move(type_), std::move(data_)});
    data_.clear();
    type_.clear();
}

} // namespace ssehub::cli
