// Layer config/: the daemon's options, config file and validation. Knows nothing of the client
// (cli/) or of the transports; the server turns a Config into what each layer is told.
//
// Everything `ssehub serve` can be told, with the built-in defaults of SPEC.md. Filled from the
// command line (and a config file); read by the server. Plain data, no behaviour.
#pragma once

#include "base/log.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ssehub::config {

struct Config {
    std::vector<std::string> listen = {"127.0.0.1:8080"};
    std::string config_file;
    std::string state_dir = ".";
    unsigned heartbeat_s = 15;
    unsigned retry_ms = 3000;
    size_t history_events = 4096;
    size_t history_bytes = 16u << 20;
    size_t max_subscribers = 10000;
    size_t max_header_bytes = 8u << 10;
    size_t max_event_bytes = 64u << 10;
    unsigned request_timeout_s = 10;
    size_t max_queued_bytes = 1u << 20;
    std::vector<std::string> publish_allow = {"127.0.0.0/8", "::1/128"};
    std::string token_file;
    // Signed tokens (JWT) and private topics. jwt_keys: "[KID=]FILE", re-read on SIGHUP.
    std::vector<std::string> jwt_keys;
    unsigned jwt_leeway_s = 10;
    std::string jwt_cookie = "ssehub_token";
    std::vector<std::string> private_topics;
    // "*", origins and patterns (app/origin_list.hpp); empty: no page of another origin.
    std::vector<std::string> cors_origins = {"*"};
    unsigned shutdown_grace_s = 5;
    // Restarts without disconnects (server_handover.cpp). handover_socket: where this hub
    // listens for its successor; take_over: the predecessor's socket this hub starts from;
    // restart_retry_window_s: the retry: spread given to streams that cannot be handed over.
    std::string handover_socket;
    std::string take_over;
    unsigned restart_retry_window_s = 10;
    log::Level log_level = log::Level::Info;
    // TLS for listeners written "tls:ADDR:PORT" (PEM files; re-read on SIGHUP).
    std::string tls_cert;
    std::string tls_key;
    std::string redis;               // empty: a lone hub
    std::string redis_password_file; // empty: no AUTH
    std::string redis_stream = "ssehub:events";
    std::string dashboard = "off"; // on: the live page at /ssehub/dashboard for admins
    std::string io_uring = "auto"; // auto: batch each fan-out's writes when the kernel allows
    // The replay ring kept on disk in <state_dir>/history (a lone hub; restart to change).
    std::string history_persist = "on";
    std::string history_fsync = "everysec"; // always, everysec or no, as Redis' appendfsync
};

} // namespace ssehub::config
