// The result of a run: Run::result() gathers it as JSON (the --json output, and what
// bench/run-bench reads); render_table() turns it into the human table on stdout.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace bench {

std::string render_table(const nlohmann::json& result);

} // namespace bench
