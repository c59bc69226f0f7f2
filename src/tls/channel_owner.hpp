// What a TLS channel tells the connection about input, free of OpenSSL so the connection
// compiles the same with or without TLS support.
#pragma once

#include <cstddef>
#include <string_view>

namespace ssehub::tls {

class ChannelOwner {
  public:
    // Both return false once the owner has closed: the channel then stops at once.
    virtual bool on_handshake(std::string_view alpn) = 0; // alpn "" when none was agreed
    virtual bool on_plaintext(const char* data, size_t len) = 0;

  protected:
    ~ChannelOwner() = default;
};

} // namespace ssehub::tls
