#include "auth/base64url.hpp"

#include <array>
#include <cstdint>

namespace ssehub::auth {
namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> decoding_table() {
    std::array<int8_t, 256> table{};
    for (auto& v : table)
        v = -1;
    for (size_t i = 0; i < alphabet.size(); ++i)
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<int8_t>(i);
    return table;
}

constexpr std::array<int8_t, 256> sextet = decoding_table();

} // namespace

std::optional<std::string> base64url_decode(std::string_view text) {
    if (text.size() % 4 == 1) return std::nullopt; // 6 bits cannot end a byte
    std::string out;
    out.reserve(text.size() / 4 * 3 + 2);
    uint32_t bits = 0;
    int held = 0; // bits in `bits` not yet written out
    for (char ch : text) {
        int8_t v = sextet[static_cast<unsigned char>(ch)];
        if (v < 0) return std::nullopt;
        bits = (bits << 6) | static_cast<uint32_t>(v);
        held += 6;
        if (held >= 8) {
            held -= 8;
            out.push_back(static_cast<char>((bits >> held) & 0xff));
        }
    }
    if ((bits & ((1u << held) - 1)) != 0) return std::nullopt; // not the canonical spelling
    return out;
}

std::string base64url_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    uint32_t bits = 0;
    int held = 0;
    for (char ch : bytes) {
        bits = (bits << 8) | static_cast<unsigned char>(ch);
        held += 8;
        while (held >= 6) {
            held -= 6;
            out.push_back(alphabet[(bits >> held) & 0x3f]);
        }
    }
    if (held > 0) out.push_back(alphabet[(bits << (6 - held)) & 0x3f]);
    return out;
}

} // namespace ssehub::auth
