#include "cli/utf8_decoder.hpp"

namespace ssehub::cli {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";

} // namespace

void Utf8Decoder::reset_sequence() {
    pending_.clear();
    needed_ = 0;
    lower_ = 0x80;
    upper_ = 0xBF;
}

void Utf8Decoder::decode(std::string_view bytes, std::string& out) {
    size_t i = 0;
    while (i < bytes.size()) {
        auto b = static_cast<unsigned char>(bytes[i]);
        if (needed_ == 0) {
            // Fast path: copy a run of ASCII at once.
            size_t run = i;
            while (run < bytes.size() && static_cast<unsigned char>(bytes[run]) < 0x80)
                ++run;
            if (run > i) {
                out.append(bytes.substr(i, run - i));
                i = run;
                continue;
            }
            if (b >= 0xC2 && b <= 0xDF) {
                needed_ = 1;
            } else if (b >= 0xE0 && b <= 0xEF) {
                if (b == 0xE0) lower_ = 0xA0;
                if (b == 0xED) upper_ = 0x9F; // no UTF-16 surrogates
                needed_ = 2;
            } else if (b >= 0xF0 && b <= 0xF4) {
                if (b == 0xF0) lower_ = 0x90;
                if (b == 0xF4) upper_ = 0x8F; // nothing above U+10FFFF
                needed_ = 3;
            } else {
                out += replacement;
                ++i;
                continue;
            }
            pending_ += static_cast<char>(b);
            ++i;
            continue;
        }
        if (b < lower_ || b > upper_) {
            // The sequence ends early: one U+FFFD for it, and this byte starts afresh.
            reset_sequence();
            out += replacement;
            continue;
        }
        lower_ = 0x80;
        upper_ = 0xBF;
        pending_ += static_cast<char>(b);
        ++i;
        if (--needed_ == 0) {
            out += pending_;
            reset_sequence();
        }
    }
}

void Utf8Decoder::finish(std::string& out) {
    if (needed_ != 0) out += replacement;
    reset_sequence();
}

} // namespace ssehub::cli
