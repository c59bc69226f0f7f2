// The TLS serve options (--tls-cert, --tls-key, "tls:" listeners): declared beside the others,
// checked together once parsing is done. Without OpenSSL in the build they are a usage error.
#pragma once

#include "config/config.hpp"

#include <CLI/CLI.hpp>
#include <string>

namespace ssehub::config {

void declare_tls_options(CLI::App& serve, Config& c);
// "" when the TLS options agree with each other and with this build; else a one-line reason.
std::string check_tls_options(const Config& c);

} // namespace ssehub::config
