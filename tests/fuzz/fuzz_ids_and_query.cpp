// Last-Event-ID and query parsing: never crashes; an id that parses prints back the same.
#include "app/form_decoding.hpp"
#include "sse/event_id.hpp"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(bytes), size);
    if (auto id = ssehub::sse::EventId::parse(input)) {
        auto again = ssehub::sse::EventId::parse(id->to_string());
        if (!again || *again != *id) std::abort();
    }
    if (auto params = ssehub::app::parse_params(input))
        for (const auto& [k, v] : *params)
            if (k.size() > input.size() || v.size() > input.size()) std::abort();
    return 0;
}
