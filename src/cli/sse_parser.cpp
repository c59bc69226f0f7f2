#include "cli/sse_parser.hpp"

#include <limits>

namespace ssehub::cli {

namespace {

constexpr std::string_view bom = "\xEF\xBB\xBF";

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

bool SseParser::feed(std::string_view bytes, std::vector<SseEvent>& out) {
    size_t old = text_.size();
    decoder_.decode(bytes, text_);
    if (at_stream_start_ && text_.size() > 0) {
        // The decoder emits whole code points, so a BOM is never split here.
        at_stream_start_ = false;
        if (std::string_view(text_).starts_with(bom)) {
            text_.erase(0, bom.size());
            old = 0;
        }
    }
    size_t pos = 0;
    if (skip_lf_ && text_.size() > 0) {
        skip_lf_ = false;
        if (text_[0] == '\n') pos = 1;
    }
    // Only the new text can hold a line break; the old part was scanned by the previous call.
    size_t scan = old > pos ? old : pos;
    while (true) {
        size_t eol = text_.find_first_of("\r\n", scan);
        if (eol == std::string::npos) break;
        process_line(std::string_view(text_).substr(pos, eol - pos), out);
        pos = eol + 1;
        if (text_[eol] == '\r') {
            if (pos < text_.size()) {
                if (text_[pos] == '\n') ++pos;
            } else {
                skip_lf_ = true; // the LF of a CRLF may come with the next read
            }
        }
        scan = pos;
    }
    text_.erase(0, pos);
    return text_.size() + data_.size() + type_.size() + id_buffer_.size() <= max_bytes_;
}

void SseParser::restart() {
    decoder_ = Utf8Decoder();
    text_.clear();
    at_stream_start_ = true;
    skip_lf_ = false;
    data_.clear();
    type_.clear();
    id_buffer_ = last_id_;
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
    if (line.empty()) {
        dispatch(out);
        return;
    }
    if (line.front() == ':') return; // a comment
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        process_field(line, {});
        return;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    process_field(line.substr(0, colon), value);
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
