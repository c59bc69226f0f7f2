// Everything ssehub-bench can be told, parsed from argv with CLI11. Defaults drive a hub on
// 127.0.0.1:8080 with 1000 subscribers and 200 events of 64 bytes, one at a time.
#pragma once

#include "url.hpp"

#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace bench {

enum class Mode { WaitForAll, OpenLoop };

struct Options {
    // Subscribe URLs, one per node: subscriber i (from 0) subscribes at urls[i % urls.size()].
    std::vector<std::string> urls{"http://127.0.0.1:8080/events"};
    std::string publish_url; // default: the first subscribe URL's host with path /publish
    std::string body_template = "data={data}";
    std::string content_type = "application/x-www-form-urlencoded";
    uint32_t subscribers = 1000;
    uint32_t events = 200;
    uint32_t event_bytes = 64;
    Mode mode = Mode::WaitForAll;
    double rate = 100;      // open loop: events per second
    double duration_s = 10; // open loop
    uint32_t publishers = 1;
    uint32_t source_addresses = 0; // 0: one per 5000 subscribers
    uint32_t workers = 0;          // 0: as many as the descriptor limit needs
    uint32_t connect_concurrency = 256;
    uint32_t settle_ms = 200;
    double connect_timeout_s = 120;
    double event_timeout_s = 10;
    double drain_timeout_s = 10;
    pid_t server_pid = 0;
    std::string label;
    // --token-file: one signed token per line; subscriber i (global, from 0) sends line i % n as
    // `Authorization: Bearer`. Empty: no tokens. Shared, read-only, with every pool and worker.
    std::string token_file;
    std::shared_ptr<const std::vector<std::string>> tokens;
    bool json = false;
    bool quiet = false;

    std::vector<Url> sub_urls; // parsed from urls
    Url pub_url;               // parsed from publish_url

    // Sequence numbers run 0..planned_events()-1.
    uint32_t planned_events() const;
};

struct ParsedOptions {
    Options options;
    bool exit_now = false; // --help, --version or a usage error
    int exit_status = 0;
    std::string message; // for stdout (status 0) or stderr
};

ParsedOptions parse_options(int argc, char** argv);

} // namespace bench
