// Whole HTTP/1.1 responses for the non-streaming endpoints, rendered into one shared frame.
#pragma once

#include "net/frame.hpp"

#include <string_view>

namespace ssehub::app {

std::string_view reason_phrase(int status);

// `extra_headers` is zero or more complete "Name: value\r\n" lines.
net::FrameRef render_response(int status, std::string_view content_type, std::string_view body,
                              std::string_view extra_headers, bool keep_alive,
                              bool head_only = false);

} // namespace ssehub::app
