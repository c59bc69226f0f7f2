// The certificates of `ssehub tls init`: a local certificate authority and a server certificate
// it signs, made with OpenSSL's EVP and X509 calls (nothing is shelled out to the openssl
// command). Everything is PEM in memory; tls_init_command.cpp decides what is written where.
// Keys are EC P-256: every browser and TLS library takes them, and they are small and fast.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ssehub::cli {

// A certificate and its private key (unencrypted PKCS#8), both PEM.
struct IssuedPem {
    std::string certificate;
    std::string private_key;
};

// What `tls init` reports of a certificate.
struct CertificateFacts {
    std::string subject;     // one line, as "CN=..., O=..."
    std::string serial_hex;  // upper-case hex, as `openssl x509 -serial` prints it
    std::string fingerprint; // SHA-256 of the DER, "AB:CD:..." as `openssl x509 -fingerprint`
    int64_t not_after_s = 0; // unix seconds
};

// One hour: a certificate is valid from this long before it is made, so a client whose clock
// is a little behind the machine that made it still accepts it.
inline constexpr int64_t backdate_s = 3600;

// A new key and a self-signed CA certificate: subject CN=`common_name`, O=ssehub; valid from
// now_s - backdate_s until now_s + days; basicConstraints critical CA:TRUE, pathlen:0 (it signs
// server certificates, never another CA); keyUsage critical keyCertSign, cRLSign; subject and
// authority key identifiers. Throws std::runtime_error if OpenSSL fails.
IssuedPem make_certificate_authority(const std::string& common_name, int64_t now_s, uint32_t days);

// A new key and a certificate for `hosts` (certificate_host() forms; IP addresses become
// subjectAltName IP:, the rest DNS:) signed by `ca`: subject CN=hosts[0] (when it fits in 64
// bytes, else "ssehub"), O=ssehub; valid from now_s - backdate_s for `days`, but never past the
// CA's own end; basicConstraints critical CA:FALSE; keyUsage critical digitalSignature;
// extendedKeyUsage serverAuth; subject and authority key identifiers; a random 159-bit serial.
// Throws std::runtime_error with one line when `ca` cannot be read, its key does not match its
// certificate, it is not a CA, or it has expired (or expires within the hour).
IssuedPem make_server_certificate(const IssuedPem& ca, const std::vector<std::string>& hosts,
                                  int64_t now_s, uint32_t days);

// "2026-12-05 10:55 UTC": a certificate's time as the command prints it.
std::string date_text(int64_t s);

// Facts of the first certificate in `pem`. Throws std::runtime_error if there is none.
CertificateFacts certificate_facts(const std::string& pem);

} // namespace ssehub::cli
