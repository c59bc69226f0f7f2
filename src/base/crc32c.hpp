// CRC-32C (Castagnoli), the checksum of the history log's records: a table-driven software
// version, so no library is needed for it. Chained: pass the previous result as `crc` to go on
// over more bytes.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ssehub::base {

uint32_t crc32c(const void* data, size_t size, uint32_t crc = 0);

} // namespace ssehub::base
