// The one event-stream reader of the client side ("Parsing an event stream", WHATWG HTML): a
// leading BOM, lines ended by CRLF, LF or CR (split across reads or not), comments, and each
// line split into a field name and a value. It hands fields and blank lines to a sink and
// keeps no event: the CLI's SseParser builds WHATWG events from them, and ssehub-bench, which
// reads thousands of streams at once, looks at the data fields only. Holds bytes only while a
// line straddles two reads; never does I/O, never throws, never allocates for a whole line.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ssehub::cli {

class SseFieldReader {
  public:
    // Sink: void field(std::string_view name, std::string_view value); void dispatch();
    // dispatch() is a blank line. The views live only during the call.
    template <class Sink> void feed(std::string_view bytes, Sink& sink) {
        const char* p = bytes.data();
        const char* end = p + bytes.size();
        if (p == end) return;
        if (bom_state_ != bom_done && !skip_bom(p, end)) return;
        if (cr_pending_) { // a CR ended the last read: an LF now belongs to it
            cr_pending_ = false;
            if (*p == '\n') ++p;
        }
        // The next CR and LF at or after p, each found once: a stream of one kind of line end
        // is never rescanned for the other.
        const char* lf = find(p, end, '\n');
        const char* cr = find(p, end, '\r');
        while (p < end) {
            if (lf < p) lf = find(p, end, '\n');
            if (cr < p) cr = find(p, end, '\r');
            const char* eol = lf < cr ? lf : cr;
            if (eol == end) {
                partial_.append(p, end);
                return;
            }
            if (partial_.empty()) {
                line(std::string_view(p, static_cast<size_t>(eol - p)), sink);
            } else {
                partial_.append(p, eol);
                line(partial_, sink);
                partial_.clear();
            }
            p = eol + 1;
            if (*eol == '\r') {
                if (p == end)
                    cr_pending_ = true; // the LF of a CRLF may come with the next read
                else if (*p == '\n')
                    ++p;
            }
        }
    }

    // A new stream: forget the unfinished line, expect a byte order mark again.
    void restart() {
        partial_.clear();
        bom_state_ = 0;
        cr_pending_ = false;
    }

    // Bytes of the unfinished line held back (what a caller bounds).
    size_t buffered() const { return partial_.size(); }

  private:
    static constexpr uint8_t bom_done = 3;

    static const char* find(const char* p, const char* end, char c) {
        const void* at = std::memchr(p, c, static_cast<size_t>(end - p));
        return at ? static_cast<const char*>(at) : end;
    }

    // Drops a leading U+FEFF, which may come split across reads. False when every byte so far
    // may still be part of it.
    bool skip_bom(const char*& p, const char* end) {
        static constexpr char bom[] = "\xEF\xBB\xBF";
        while (p < end && bom_state_ < bom_done && *p == bom[bom_state_]) {
            ++bom_state_;
            ++p;
        }
        if (bom_state_ == bom_done) return p < end;
        if (p == end) return false;
        partial_.assign(bom, bom_state_); // not a BOM after all: those bytes begin the line
        bom_state_ = bom_done;
        return true;
    }

    template <class Sink> static void line(std::string_view l, Sink& sink) {
        if (l.empty()) {
            sink.dispatch();
            return;
        }
        if (l[0] == ':') return; // a comment
        size_t colon = l.find(':');
        if (colon == std::string_view::npos) {
            sink.field(l, std::string_view());
            return;
        }
        std::string_view value = l.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        sink.field(l.substr(0, colon), value);
    }

    std::string partial_;     // a line split across reads
    uint8_t bom_state_ = 0;   // bytes of a leading BOM seen so far; bom_done once past it
    bool cr_pending_ = false; // the last read ended in CR
};

} // namespace ssehub::cli
