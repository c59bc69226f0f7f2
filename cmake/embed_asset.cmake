# Writes OUTPUT, a C++ source that defines ssehub::web::FUNCTION() (src/web/assets.hpp) as the
# exact bytes of INPUT, so the hub serves a file of src/web/ without reading it at run time.
# Run at build time (cmake -P, from an add_custom_command in CMakeLists.txt): editing the asset
# regenerates and recompiles only this one source. The bytes go out as a hex array, which holds
# any byte; never as a string literal, whose escapes and delimiters the asset could break.
foreach(var INPUT OUTPUT FUNCTION)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "embed_asset.cmake: -D${var}=... is missing")
  endif()
endforeach()

file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
# Sixteen bytes a line, then every byte as 0xNN: the line breaks fall between pairs of digits.
# (CMake's regular expressions have no {n}: the 32 digits of a line are spelt out.)
set(digit "[0-9a-f]")
string(REPEAT "${digit}" 32 line)
string(REGEX REPLACE "(${line})" "\\1\n" hex "${hex}")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1, " bytes "${hex}")
string(REPLACE " \n" "\n    " bytes "${bytes}")
file(RELATIVE_PATH shown "${CMAKE_CURRENT_LIST_DIR}/.." "${INPUT}")

file(WRITE "${OUTPUT}" "// Generated from ${shown} by cmake/embed_asset.cmake at build time: edit that file.
#include \"web/assets.hpp\"

#include <cstddef>

namespace ssehub::web {
namespace {

constexpr std::size_t kSize = ${size};
// One zero byte more, so that an empty asset is still a valid array; it is not served.
constexpr unsigned char kBytes[kSize + 1] = {
    ${bytes}0x00};

} // namespace

std::string_view ${FUNCTION}() {
    return {reinterpret_cast<const char*>(kBytes), kSize};
}

} // namespace ssehub::web
")
