// What a connection needs of the server: the live configuration, the hub, the event sink, the
// counters, and the list of connections that are waiting for a request (for the request
// timeout and for shutdown). Owned by the Server; connections hold a non-owning reference.
#pragma once

#include "config/cidr.hpp"
#include "config/config.hpp"
#include "http/request_reader.hpp"
#include "metrics/metrics.hpp"
#include "sse/event_sink.hpp"
#include "sse/hub.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <uv.h>
#include <vector>

namespace ssehub::net {
class FlushList;
class SendBatch;
} // namespace ssehub::net
namespace ssehub::tls {
class ServerContext;
}

namespace ssehub::http {

class Connection;

// Intrusive list of connections; see Connection for the hooks.
struct ConnectionList {
    Connection* head = nullptr;
    Connection* tail = nullptr;
    size_t size = 0;
};

struct PublishPolicy {
    std::vector<config::Cidr> allow;
    std::vector<std::string> tokens; // empty: tokens are not in use
};

struct Context {
    uv_loop_t* loop = nullptr;
    config::Config config;
    ReadLimits read_limits;
    PublishPolicy publish;
    sse::Hub* hub = nullptr;
    sse::EventSink* sink = nullptr; // where publishes go: the local id source or Redis
    metrics::Metrics* metrics = nullptr;
    std::string cors_headers;             // rendered "Access-Control-Allow-Origin: ...\r\n" lines
    tls::ServerContext* tls = nullptr;    // set when some listener speaks TLS
    net::FlushList* flush_list = nullptr; // deferred writes of multiplexed (HTTP/2) connections
    net::SendBatch* send_batch = nullptr; // null: plain connections send on their own

    ConnectionList waiting;   // reading a request, or lingering before close: have a deadline
    ConnectionList streaming; // subscribers (the hub orders them for heartbeats)
    size_t open_connections = 0;
    size_t max_connections = SIZE_MAX; // from the descriptor limit
    bool shutting_down = false;
    std::function<void()> on_connection_closed; // lets shutdown finish when the last one goes
};

} // namespace ssehub::http
