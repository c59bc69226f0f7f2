// Server, continued: giving back the heap pages a burst of connections leaves free.
//
// A connection's short-lived allocations (a TLS handshake's buffers and key exchange, a
// request's parser and strings) sit between the long-lived ones of the connections accepted
// with it; once freed they are holes that malloc keeps resident. After a burst (a reconnect
// storm, a benchmark's thousands of subscribers, their departure) an idle subscriber would so
// cost its holes too: over TLS twice its live heap. Once a burst is over, malloc_trim() hands
// the whole free pages back. Bounded: it walks malloc's free lists once, only on the first
// quiet tick after enough churn.
#include "server.hpp"

#ifdef SSEHUB_HAVE_TLS
#include "tls/record_buffer_pool.hpp"
#endif

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace ssehub {

namespace {

// Connections opened or closed since the last trim before one is worth it.
constexpr uint64_t trim_after_churn = 64;
// Ticks (250 ms) without any of it moving: the last writes of the burst (response heads,
// session tickets) are out by then, and their buffers free.
constexpr unsigned trim_after_quiet_ticks = 8;

} // namespace

void Server::trim_heap_after_bursts() {
    uint64_t accepted = metrics_.connections_accepted;
    uint64_t open = metrics_.connections_open;
    // Accepting ends before the handshakes and the requests do: the burst is over once none
    // of them moved for a tick.
    uint64_t settled = metrics_.tls_handshakes + metrics_.subscribers;
    bool quiet =
        accepted == heap_trim_.accepted && open == heap_trim_.open && settled == heap_trim_.settled;
    heap_trim_.churn +=
        (accepted - heap_trim_.accepted) + (open < heap_trim_.open ? heap_trim_.open - open : 0);
    heap_trim_.accepted = accepted;
    heap_trim_.open = open;
    heap_trim_.settled = settled;
    heap_trim_.quiet_ticks = quiet ? heap_trim_.quiet_ticks + 1 : 0;
    if (heap_trim_.quiet_ticks < trim_after_quiet_ticks || heap_trim_.churn < trim_after_churn)
        return;
    heap_trim_.churn = 0;
#ifdef __GLIBC__
    malloc_trim(0);
#endif
#ifdef SSEHUB_HAVE_TLS
    tls::trim_record_buffers();
#endif
}

} // namespace ssehub
