// Address ranges for --publish-allow: "10.0.0.0/8", "::1/128", or a bare address.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <sys/socket.h>

namespace ssehub::base {

struct Cidr {
    bool v6 = false;
    std::array<uint8_t, 16> addr{};
    unsigned prefix = 0;

    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const sockaddr* peer) const;
};

} // namespace ssehub::base
