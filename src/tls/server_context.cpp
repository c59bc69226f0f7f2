#include "tls/server_context.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdexcept>
#include <sys/stat.h>

namespace ssehub::tls {

namespace {

// ALPN in wire format, server preference first.
#ifdef SSEHUB_HAVE_H2
constexpr unsigned char offered[] = "\x02h2\x08http/1.1";
#else
constexpr unsigned char offered[] = "\x08http/1.1";
#endif

int on_alpn_select(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                   unsigned int inlen, void*) noexcept {
    unsigned char* selected = nullptr;
    if (SSL_select_next_proto(&selected, outlen, offered, sizeof offered - 1, in, inlen) !=
        OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_NOACK; // no common protocol: carry on without ALPN, as HTTP/1.1
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
}

std::string openssl_reason() {
    unsigned long e = ERR_peek_last_error();
    ERR_clear_error();
    if (e == 0) return "unknown OpenSSL error";
    const char* reason = ERR_reason_error_string(e);
    return reason ? reason : "unknown OpenSSL error";
}

// TLS 1.2: forward secrecy and AEAD only (no CBC, no SHA-1 MACs, no RSA key exchange), the
// server's order; TLS 1.3 keeps OpenSSL's default suites, all AEAD.
constexpr char tls12_ciphers[] = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                 "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                 "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";

// OpenSSL asks this for the passphrase of an encrypted key (or certificate). Without it,
// OpenSSL would prompt on the terminal and stop the loop (SIGHUP) until someone typed: ssehub
// reads unencrypted keys only, so it refuses, and says so.
int refuse_passphrase(char*, int, int, void* asked) noexcept {
    *static_cast<bool*>(asked) = true;
    return -1;
}

void check_readable(const std::string& what, const std::string& path) {
    if (path.empty()) throw std::runtime_error("TLS needs --tls-cert and --tls-key");
    // Opening a FIFO (or reading a device) would block the loop until a writer came (SIGHUP).
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
        throw std::runtime_error("cannot read TLS " + what + " " + path + ": not a regular file");
    std::ifstream in(path);
    if (!in)
        throw std::runtime_error("cannot read TLS " + what + " " + path + ": " +
                                 std::strerror(errno));
}

} // namespace

SSL_CTX* ServerContext::build(const std::string& cert_file, const std::string& key_file) {
    check_readable("certificate", cert_file);
    check_readable("key", key_file);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) throw std::runtime_error("cannot create a TLS context: " + openssl_reason());
    bool asked = false; // OpenSSL wanted a passphrase
    SSL_CTX_set_default_passwd_cb(ctx, refuse_passphrase);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, &asked);
    auto fail = [&](const std::string& what) {
        std::string reason = openssl_reason();
        SSL_CTX_free(ctx);
        return std::runtime_error(what + ": " + reason);
    };
    auto encrypted = [&](const std::string& what, const std::string& file) {
        ERR_clear_error();
        SSL_CTX_free(ctx);
        return std::runtime_error("TLS " + what + " " + file +
                                  " is encrypted: ssehub needs an unencrypted PEM file "
                                  "(no passphrase)");
    };
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
        if (asked) throw encrypted("certificate", cert_file);
        throw fail("cannot load TLS certificate " + cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        if (asked) throw encrypted("key", key_file);
        unsigned long e = ERR_peek_last_error();
        if (ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
            throw fail("TLS key " + key_file + " does not match certificate " + cert_file);
        throw fail("cannot load TLS key " + key_file);
    }
    if (SSL_CTX_check_private_key(ctx) != 1)
        throw fail("TLS key " + key_file + " does not match certificate " + cert_file);
    // HTTP/2 over TLS wants 1.2 or later and no renegotiation (RFC 9113 9.2).
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    if (SSL_CTX_set_cipher_list(ctx, tls12_ciphers) != 1) throw fail("cannot set TLS ciphers");
    // Nothing after the files is read with this context: no callback into a dead frame.
    SSL_CTX_set_default_passwd_cb(ctx, nullptr);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION);
    // Idle connections give their record buffers back: subscribers are mostly idle.
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_select_cb(ctx, on_alpn_select, nullptr);
    return ctx;
}

ServerContext::ServerContext(const std::string& cert_file, const std::string& key_file)
    : ctx_(build(cert_file, key_file)) {}

ServerContext::~ServerContext() {
    SSL_CTX_free(ctx_);
}

bool ServerContext::reload(const std::string& cert_file, const std::string& key_file,
                           std::string& error) {
    try {
        SSL_CTX* next = build(cert_file, key_file);
        SSL_CTX_free(ctx_);
        ctx_ = next;
        return true;
    } catch (const std::exception& e) {
        error = e.what();
        return false;
    }
}

} // namespace ssehub::tls
