// What a hand-over holds on either side (server_handover.cpp, server_fdstore.cpp); private to
// those two files.
#pragma once

#include "server.hpp"

#include <random>
#include <string>
#include <uv.h>
#include <vector>

namespace ssehub {

struct Server::Handover {
    // Old side: where a successor knocks, and the one that did.
    std::string path;
    int listen_fd = -1;
    uv_poll_t listen_poll{};
    int taker_fd = -1;
    uv_poll_t taker_poll{};
    bool taker_polled = false;
    bool draining = false;
    uint64_t deadline_ms = 0;
    uv_timer_t tick{};
    bool tick_started = false;
    std::vector<int> listener_fds; // released by the listeners, still listening
    std::vector<bool> listener_tls;
    std::mt19937 random{std::random_device{}()};
    // Into systemd's store instead of to a taker (SIGUSR2 under NOTIFY_SOCKET).
    bool to_store = false;
    int store_fd = -1;   // the memfd the messages are written to
    unsigned stored = 0; // descriptors stored so far: each is "ssehub-fd-<n>"
    uv_signal_t usr2{};
    bool usr2_started = false;
    // New side: what the old hub sent.
    std::string position;
    std::vector<int> taken_listeners;
    std::vector<bool> taken_tls;
    std::vector<http1::ConnectionSet::HandedStream> taken_streams;
    std::vector<sse::RetainedEvent> taken_events;
    std::vector<std::string> taken_names; // from systemd's store: removed from it once adopted
};

} // namespace ssehub
