// The /ssehub.js client script: one shared event stream per browser for all tabs of an origin.
#pragma once

#include <string_view>

namespace ssehub::app {

std::string_view client_script_js();

} // namespace ssehub::app
