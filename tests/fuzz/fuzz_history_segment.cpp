// The history log's segment reader (sse/history_record.hpp): a segment file is read back at
// start, and whatever a power loss, a full disk or a stray editor left in it must never crash
// the hub. The reader walks records as the start-up does; every record it accepts must encode
// back to exactly the bytes it was read from (so nothing outside the checksum steers it), and
// it must stop at the first record that is not whole.
#include "sse/history_record.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace ssehub::sse;
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    size_t at = 0;
    while (at < bytes.size()) {
        DecodedRecord d = decode_record(bytes.substr(at));
        if (d.status != DecodeStatus::Ok) break;
        if (d.size < record_header_bytes || d.size > bytes.size() - at) std::abort();
        std::string again;
        append_record(again, d.record);
        if (again != bytes.substr(at, d.size)) std::abort();
        at += d.size;
    }
    return 0;
}
