// The names `ssehub tls init` puts in a server certificate: which are IP addresses (IP: in
// subjectAltName) and which DNS names (DNS:), how each is written, and the default list. No
// OpenSSL here, so a build without it still checks --host the same way.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ssehub::cli {

// `text` as it goes into the certificate: an IPv4 or IPv6 address in its canonical form
// ("[::1]" and "0:0::1" give "::1"), or a DNS name in lower case (labels of letters, digits and
// '-', at most 63 bytes each and 253 in all; a first label "*" makes a wildcard). nullopt, with
// `why` set to one line, for anything else: a URL, a port, a final dot, an underscore, an IPv6
// zone. A certificate checker compares exactly these forms, so a name that is neither would
// never match.
std::optional<std::string> certificate_host(std::string_view text, std::string& why);

// True for an IPv4 or IPv6 address (already in certificate_host's form or not).
bool is_ip_address(std::string_view host);

// The names a certificate is for when no --host is given: localhost, 127.0.0.1, ::1 and
// `machine_name` (from gethostname()) when that is a valid, different DNS name; otherwise it
// is left out and `left_out` says why.
std::vector<std::string> default_tls_hosts(const std::string& machine_name, std::string& left_out);

// gethostname(), or "" when it fails.
std::string machine_name();

} // namespace ssehub::cli
