// base64url without padding (RFC 7515 2, RFC 4648 5), the encoding of every part of a JWT.
// Decoding is strict: only the 64 characters, no '=', no whitespace, and the unused low bits
// of the last character zero, so each byte string has exactly one accepted spelling and a
// changed character can never decode to the same signature.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ssehub::auth {

std::optional<std::string> base64url_decode(std::string_view text);
std::string base64url_encode(std::string_view bytes);

} // namespace ssehub::auth
