// The hub's TLS configuration: one OpenSSL SSL_CTX built from a certificate chain and a private
// key (PEM files), offering ALPN "h2" (when built with nghttp2) and "http/1.1". Reloading builds
// a new SSL_CTX; connections already open keep the one they started with (OpenSSL counts
// references), new ones get the new one.
#pragma once

#include <openssl/ssl.h>
#include <string>

namespace ssehub::tls {

class ServerContext {
  public:
    // Throws std::runtime_error with one line naming the file and OpenSSL's reason.
    ServerContext(const std::string& cert_file, const std::string& key_file);
    ~ServerContext();
    ServerContext(const ServerContext&) = delete;
    ServerContext& operator=(const ServerContext&) = delete;

    // Reads both files again. On failure keeps the current context and returns false with
    // `error` set.
    bool reload(const std::string& cert_file, const std::string& key_file, std::string& error);
    SSL_CTX* get() const { return ctx_; }

  private:
    static SSL_CTX* build(const std::string& cert_file, const std::string& key_file);
    SSL_CTX* ctx_ = nullptr;
};

} // namespace ssehub::tls
