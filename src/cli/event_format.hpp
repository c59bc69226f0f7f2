// How `ssehub subscribe` prints an event, and how any text from the hub is made safe for a
// terminal. Pure functions.
//
// Human form, one event per block:
//   [1764068635000-7] update: first line of data
//       second line of data
// The id in brackets (left out when the stream gave none), the event type, a colon, the data;
// each further data line indented by four spaces. Control characters are shown as \xNN so a
// publisher cannot drive the terminal.
//
// JSON form: {"id":"...","event":"...","data":"..."} on one line.
#pragma once

#include "cli/sse_parser.hpp"

#include <string>
#include <string_view>

namespace ssehub::cli {

// Text with every control character but tab (C0, DEL, C1) written as \xNN or \u00NN.
std::string printable(std::string_view text);

std::string format_human(const SseEvent& event);
std::string format_json(const SseEvent& event);

} // namespace ssehub::cli
