// The config file of `ssehub serve` (ssehub.conf(5)): every serve option is a key of the same
// name, read with CLI11's config reader. Values apply only to options the command line left
// unset, so the command line beats the file.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ssehub::config {

// Throws CLI::ParseError (bad value, unknown key) or CLI::FileError (unreadable file), each
// naming the file and the key.
void apply_config_file(CLI::App& serve, const std::string& path);

} // namespace ssehub::config
