#include "base/cidr.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <netinet/in.h>
#include <string>

namespace ssehub::base {

std::optional<Cidr> Cidr::parse(std::string_view text) {
    Cidr c;
    std::string addr(text.substr(0, text.find('/')));
    if (inet_pton(AF_INET, addr.c_str(), c.addr.data()) == 1) {
        c.prefix = 32;
    } else if (inet_pton(AF_INET6, addr.c_str(), c.addr.data()) == 1) {
        c.v6 = true;
        c.prefix = 128;
    } else {
        return std::nullopt;
    }
    if (size_t slash = text.find('/'); slash != std::string_view::npos) {
        std::string_view p = text.substr(slash + 1);
        unsigned prefix = 0;
        auto r = std::from_chars(p.data(), p.data() + p.size(), prefix);
        if (p.empty() || r.ec != std::errc() || r.ptr != p.data() + p.size() || prefix > c.prefix)
            return std::nullopt;
        c.prefix = prefix;
    }
    // An IPv4-mapped entry (::ffff:a.b.c.d/96+n) means the IPv4 range a.b.c.d/n: stored as
    // that, it matches IPv4 peers on IPv4 and on dual-stack sockets alike.
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (c.v6 && c.prefix >= 96 && std::memcmp(c.addr.data(), mapped, 12) == 0) {
        std::memmove(c.addr.data(), c.addr.data() + 12, 4);
        std::memset(c.addr.data() + 4, 0, 12);
        c.v6 = false;
        c.prefix -= 96;
    }
    return c;
}

bool Cidr::contains(const sockaddr* peer) const {
    const uint8_t* bytes = nullptr;
    uint8_t mapped[4];
    bool peer_v6 = peer->sa_family == AF_INET6;
    if (peer->sa_family == AF_INET) {
        bytes =
            reinterpret_cast<const uint8_t*>(&reinterpret_cast<const sockaddr_in*>(peer)->sin_addr);
    } else if (peer_v6) {
        bytes = reinterpret_cast<const sockaddr_in6*>(peer)->sin6_addr.s6_addr;
        // An IPv4 peer on a dual-stack socket arrives as ::ffff:a.b.c.d.
        static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!v6 && std::memcmp(bytes, prefix, 12) == 0) {
            std::memcpy(mapped, bytes + 12, 4);
            bytes = mapped;
            peer_v6 = false;
        }
    } else {
        return false;
    }
    if (peer_v6 != v6) return false;
    unsigned full = prefix / 8, rest = prefix % 8;
    if (std::memcmp(bytes, addr.data(), full) != 0) return false;
    if (rest == 0) return true;
    uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    return (bytes[full] & mask) == (addr[full] & mask);
}

} // namespace ssehub::base
