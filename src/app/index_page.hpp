// The built-in web page served at GET /. A constant: no I/O, no allocation, no templating.
#pragma once

#include <string_view>

namespace ssehub::app {

// The built-in page served at GET /: subscribes with EventSource and shows live events.
std::string_view index_page_html();

} // namespace ssehub::app
