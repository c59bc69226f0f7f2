// The client side of a stream: bytes from a hub -> ResponseReader (llhttp, chunked or not) ->
// the CLI's SseParser, in arbitrary splits. Any split gives the same events, and they are
// the events the WHATWG reference parser dispatches for the same bytes.
#include "cli/response_reader.hpp"
#include "cli/sse_parser.hpp"
#include "sse/event_validation.hpp"
#include "sse_reference_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

std::vector<ssehub::cli::SseEvent> parse_in_steps(std::string_view stream, size_t step) {
    ssehub::cli::SseParser parser(1 << 20);
    std::vector<ssehub::cli::SseEvent> events;
    for (size_t i = 0; i < stream.size(); i += step)
        if (!parser.feed(stream.substr(i, step), events)) break;
    return events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
    if (size < 2) return 0;
    size_t step = (bytes[0] % 32) + 1;
    std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);

    if (bytes[0] & 0x80) {
        // As a whole HTTP response.
        ssehub::cli::ResponseReader reader;
        std::string body;
        for (size_t i = 0; i < input.size(); i += step)
            if (reader.feed(input.substr(i, step), body) ==
                ssehub::cli::ResponseReader::State::Error)
                return 0;
        reader.finish();
        input = body;
        (void)parse_in_steps(input, step);
        return 0;
    }

    auto whole = parse_in_steps(input, input.size());
    auto split = parse_in_steps(input, step);
    if (whole.size() != split.size()) std::abort();
    for (size_t i = 0; i < whole.size(); ++i)
        if (whole[i].type != split[i].type || whole[i].data != split[i].data ||
            whole[i].id != split[i].id)
            std::abort();

    if (ssehub::sse::is_valid_utf8(input)) {
        auto reference = ssehub::fuzz::parse_event_stream(input);
        if (reference.size() != whole.size()) std::abort();
        for (size_t i = 0; i < whole.size(); ++i)
            if (reference[i].type != whole[i].type || reference[i].data != whole[i].data ||
                reference[i].last_event_id != whole[i].id)
                std::abort();
    }
    return 0;
}
