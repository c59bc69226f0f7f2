// The EventSource stream format, reduced to what the benchmark checks: lines (ended by CRLF,
// LF or CR, possibly split across reads), comments, `data:` fields and the blank line that
// dispatches an event. Holds bytes only while a line straddles two reads.
#pragma once

#include <string>
#include <string_view>

namespace bench {

class SseParser {
  public:
    // Sink: void data_line(std::string_view value); void dispatch();
    template <class Sink> void feed(const char* p, size_t n, Sink& sink) {
        size_t i = 0;
        if (cr_pending_) { // a CR ended the last read: an LF now belongs to it
            cr_pending_ = false;
            if (n > 0 && p[0] == '\n') i = 1;
        }
        while (i < n) {
            size_t j = i;
            while (j < n && p[j] != '\n' && p[j] != '\r')
                ++j;
            if (j == n) {
                partial_.append(p + i, n - i);
                return;
            }
            if (partial_.empty()) {
                line(std::string_view(p + i, j - i), sink);
            } else {
                partial_.append(p + i, j - i);
                line(partial_, sink);
                partial_.clear();
            }
            if (p[j] == '\r') {
                if (j + 1 == n)
                    cr_pending_ = true;
                else if (p[j + 1] == '\n')
                    ++j;
            }
            i = j + 1;
        }
    }

    size_t buffered() const { return partial_.size(); }

  private:
    template <class Sink> void line(std::string_view l, Sink& sink) {
        if (l.empty()) {
            sink.dispatch();
            return;
        }
        if (l[0] == ':') return; // comment
        size_t colon = l.find(':');
        std::string_view field = l.substr(0, colon);
        if (field != "data") return;
        std::string_view value = colon == l.npos ? std::string_view() : l.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
        sink.data_line(value);
    }

    std::string partial_; // a line split across reads
    bool cr_pending_ = false;
};

} // namespace bench
