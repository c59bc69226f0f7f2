// The request path: bytes -> llhttp -> RequestReader (limits, Host rules) -> query and body
// decoding, fed in arbitrary splits with pipelining, as a socket would deliver them.
#include "app/form_decoding.hpp"
#include "app/publish_body.hpp"
#include "http1/request_reader.hpp"
#include "sse/event_id.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size < 2) return 0;
    // The first byte chooses the read size, as the network would.
    size_t step = (bytes[0] % 64) + 1;
    std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    ssehub::http1::RequestReader reader(ssehub::http1::ReadLimits{1024, 2048});
    size_t offset = 0;
    while (offset < input.size()) {
        size_t len = std::min(step, input.size() - offset);
        size_t used = 0;
        while (used < len) {
            size_t consumed = 0;
            auto r = reader.feed(input.data() + offset + used, len - used, consumed);
            if (consumed > len - used) std::abort();
            used += consumed;
            if (r == ssehub::http1::RequestReader::Result::Error) {
                int status = reader.error_status();
                if (status != 400 && status != 413 && status != 414 && status != 431 &&
                    status != 501 && status != 505)
                    std::abort();
                return 0;
            }
            if (r == ssehub::http1::RequestReader::Result::NeedMore) break;
            const ssehub::app::Request& req = reader.request();
            if (req.body.size() > 2048) std::abort();
            if (req.header_count("host") > 1) std::abort();
            auto params = ssehub::app::parse_params(req.query());
            if (params)
                if (auto* id = ssehub::app::find_param(*params, "last_event_id"))
                    (void)ssehub::sse::EventId::parse(*id);
            if (auto* id = req.header("last-event-id")) (void)ssehub::sse::EventId::parse(*id);
            const std::string* type = req.header("content-type");
            (void)ssehub::app::decode_publish_body(type ? *type : "", req.body);
            reader.next();
        }
        offset += len;
    }
    return 0;
}
