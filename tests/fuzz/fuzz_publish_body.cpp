// Publish body decoding (form and JSON) followed by validation: never crashes, and whatever
// it accepts is valid for the encoder.
#include "app/publish_body.hpp"
#include "sse/event_validation.hpp"

#include <cstdint>
#include <cstdlib>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size == 0) return 0;
    std::string_view body(reinterpret_cast<const char*>(bytes) + 1, size - 1);
    const char* type = (bytes[0] & 1) ? "application/json" : "application/x-www-form-urlencoded";
    auto decoded = ssehub::app::decode_publish_body(type, body);
    if (auto* f = std::get_if<ssehub::app::PublishFields>(&decoded)) {
        if (!ssehub::sse::validate_event(f->event, f->topic, f->data, 1 << 20)) {
            // Accepted: the encoder's preconditions must hold.
            for (char c : f->event)
                if (c == '\r' || c == '\n' || c == '\0') std::abort();
            if (!ssehub::sse::is_valid_utf8(f->data)) std::abort();
        }
    }
    return 0;
}
