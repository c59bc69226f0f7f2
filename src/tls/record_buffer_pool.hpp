// Layer tls/: OpenSSL's record buffers, kept apart from the rest of the heap.
//
// With SSL_MODE_RELEASE_BUFFERS (idle subscribers hold no record buffers) OpenSSL allocates a
// 17 KiB write buffer for every SSL_write and frees it when the record is out: one malloc and
// one free per delivery over TLS, and after each handshake the freed read and write buffers
// leave holes between long-lived objects, so an idle TLS subscriber kept about twice its heap
// resident. Blocks of record-buffer size come from a pool of fixed slots instead: a free puts
// the slot back on a stack, the next allocation takes it again, and the few slots in use at
// once stay the only ones touched. Everything else goes to malloc as before.
#pragma once

#include <cstddef>

namespace ssehub::tls {

// Routes OpenSSL's allocations through the pool (CRYPTO_set_mem_functions). Must run before
// anything calls OpenSSL; false (and nothing changed) when that was too late.
bool install_record_buffer_pool();

// Gives the pages of the free slots back to the system (after a burst of handshakes, when
// many slots were in use at once); they are zero pages again when next used.
void trim_record_buffers();

// Slots handed out now, and slots ever touched (what the pool adds to RSS).
size_t record_buffers_in_use();
size_t record_buffers_touched();

} // namespace ssehub::tls
