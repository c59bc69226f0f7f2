#include "config/tls_options.hpp"

#include <algorithm>

namespace ssehub::config {

void declare_tls_options(CLI::App& serve, Config& c) {
    serve.add_option("--tls-cert", c.tls_cert,
                     "TLS certificate chain (PEM) for listeners written tls:ADDR:PORT");
    serve.add_option("--tls-key", c.tls_key, "TLS private key (PEM) for --tls-cert");
}

std::string check_tls_options(const Config& c) {
    bool tls_listener = std::any_of(c.listen.begin(), c.listen.end(),
                                    [](const std::string& s) { return s.starts_with("tls:"); });
#ifndef SSEHUB_HAVE_TLS
    if (tls_listener || !c.tls_cert.empty() || !c.tls_key.empty())
        return "TLS is unavailable: this ssehub was built without OpenSSL (libssl-dev)";
#endif
    for (const std::string& s : c.listen)
        if (s.starts_with("tls:unix:")) return "--listen " + s + ": TLS is for TCP listeners only";
    if (tls_listener && (c.tls_cert.empty() || c.tls_key.empty()))
        return "--listen tls:ADDR:PORT needs --tls-cert and --tls-key";
    if (c.tls_cert.empty() != c.tls_key.empty()) return "--tls-cert and --tls-key go together";
    return "";
}

} // namespace ssehub::config
