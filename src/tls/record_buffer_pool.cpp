#include "tls/record_buffer_pool.hpp"

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <openssl/crypto.h>
#include <sys/mman.h>

namespace ssehub::tls {

namespace {

// A record buffer is 16 KiB of plaintext plus header, tag, padding and alignment (17 KiB and
// a little with OpenSSL 3); smaller blocks are objects, larger ones rare.
constexpr size_t smallest_pooled = 16 * 1024;
constexpr size_t slot_bytes = 20 * 1024;
// Slots in use at once: one per connection with a record buffer held across loop turns
// (a handshake in flight, a record read in part). Past that, malloc serves as before.
constexpr size_t slot_count = 1024;

char* region = nullptr; // slot_count * slot_bytes of address space, touched on first use
uint16_t free_slots[slot_count];
size_t free_count = 0;
size_t touched = 0;                       // slots below this were handed out at least once
std::atomic_flag busy = ATOMIC_FLAG_INIT; // OpenSSL may be called off the loop thread (rare)

struct Lock {
    Lock() {
        while (busy.test_and_set(std::memory_order_acquire)) {
        }
    }
    ~Lock() { busy.clear(std::memory_order_release); }
};

bool in_region(const void* p) {
    auto a = reinterpret_cast<uintptr_t>(p);
    auto base = reinterpret_cast<uintptr_t>(region);
    return region && a >= base && a < base + slot_count * slot_bytes;
}

void* take_slot() {
    Lock lock;
    if (free_count > 0) return region + size_t{free_slots[--free_count]} * slot_bytes;
    if (touched < slot_count) return region + touched++ * slot_bytes;
    return nullptr;
}

void give_back(void* p) {
    Lock lock;
    free_slots[free_count++] = static_cast<uint16_t>((static_cast<char*>(p) - region) /
                                                     static_cast<ptrdiff_t>(slot_bytes));
}

void* pool_malloc(size_t n, const char*, int) {
    if (n >= smallest_pooled && n <= slot_bytes)
        if (void* p = take_slot()) return p;
    return std::malloc(n);
}

void pool_free(void* p, const char*, int) {
    if (in_region(p))
        give_back(p);
    else
        std::free(p);
}

void* pool_realloc(void* p, size_t n, const char*, int) {
    if (n == 0) { // as CRYPTO_realloc: frees, and returns no block
        pool_free(p, nullptr, 0);
        return nullptr;
    }
    if (!in_region(p)) return std::realloc(p, n);
    if (n <= slot_bytes && n >= smallest_pooled) return p;
    void* moved = std::malloc(n);
    if (!moved) return nullptr; // p stays valid, as realloc's contract wants
    std::memcpy(moved, p, n < slot_bytes ? n : slot_bytes);
    give_back(p);
    return moved;
}

} // namespace

bool install_record_buffer_pool() {
    static_assert(slot_count <= 65536, "slot numbers are 16-bit");
    void* r = mmap(nullptr, slot_count * slot_bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) return false;
    region = static_cast<char*>(r);
    if (CRYPTO_set_mem_functions(pool_malloc, pool_realloc, pool_free) != 1) {
        munmap(r, slot_count * slot_bytes);
        region = nullptr;
        return false;
    }
    return true;
}

void trim_record_buffers() {
    Lock lock;
    for (size_t i = 0; i < free_count; ++i)
        madvise(region + size_t{free_slots[i]} * slot_bytes, slot_bytes, MADV_DONTNEED);
}

size_t record_buffers_in_use() {
    Lock lock;
    return touched - free_count;
}

size_t record_buffers_touched() {
    Lock lock;
    return touched;
}

} // namespace ssehub::tls
