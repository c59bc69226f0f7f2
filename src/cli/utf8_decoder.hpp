// Incremental UTF-8 decoding as the WHATWG Encoding standard defines it: every invalid or
// truncated sequence becomes one U+FFFD, and a sequence split across reads is joined up.
// Pure: no I/O. Output is always valid UTF-8.
#pragma once

#include <string>
#include <string_view>

namespace ssehub::cli {

class Utf8Decoder {
  public:
    // Appends the decoded text of `bytes` to `out`; an unfinished sequence at the end is
    // held back until the next call.
    void decode(std::string_view bytes, std::string& out);
    // End of the stream: a held-back unfinished sequence becomes U+FFFD. Ready for a new stream.
    void finish(std::string& out);

  private:
    void reset_sequence();

    std::string pending_; // bytes of the current multi-byte sequence (at most 3)
    int needed_ = 0;      // continuation bytes still expected
    unsigned char lower_ = 0x80, upper_ = 0xBF;
};

} // namespace ssehub::cli
