// Descriptors sent to another process over a Unix SOCK_SEQPACKET socket (SCM_RIGHTS): one
// message is one datagram, so the descriptors arrive with the bytes they were sent with. Used
// by the hand-over between two hubs. Blocking calls: the socket's owner decides when to make
// them (the old hub at its very end, the new one before its loop starts). Never closes a
// descriptor it was given to send.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ssehub::net {

// The kernel's limit of descriptors in one message (SCM_MAX_FD); callers send batches.
constexpr size_t max_fds_per_message = 253;

// Sends `bytes` (not empty) with `fds` (at most max_fds_per_message) as one message. Returns 0
// or an errno value.
int send_with_fds(int sock, const std::string& bytes, const std::vector<int>& fds);
// Receives one message of at most `max_bytes` and its descriptors (close-on-exec). Returns 0,
// or an errno value (ECONNRESET at the peer's end of stream, EMSGSIZE for a truncated message).
int receive_with_fds(int sock, size_t max_bytes, std::string& bytes, std::vector<int>& fds);

} // namespace ssehub::net
