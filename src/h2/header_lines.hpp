// HTTP/1.1 header lines ("Name: value\r\n", as the router writes them) as HTTP/2 header
// fields: names lower-cased, connection-specific fields (which HTTP/2 forbids) left out.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ssehub::h2 {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

void append_header_lines(std::string_view lines, HeaderList& out);

} // namespace ssehub::h2
