// What the command line asked of publish, subscribe or stats: plain values, filled in by
// client_commands.cpp (CLI11) and read by the command that runs. No parsing happens here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ssehub::cli {

enum class ClientCommand { None, Publish, Subscribe, Stats };

struct ClientOptions {
    ClientCommand command = ClientCommand::None;
    // Common to every client command.
    std::string url = "http://127.0.0.1:8080";
    std::string token; // --token or SSEHUB_TOKEN; sent as "Authorization: Bearer <token>"

    // publish
    std::optional<std::string> event;
    std::optional<std::string> topic;
    std::optional<std::string> data;
    std::optional<std::string> data_file;
    bool data_from_stdin = false; // the "-" argument

    // subscribe
    std::vector<std::string> topics;
    std::optional<std::string> last_event_id;
    uint64_t max_events = 0; // 0: no limit
    // Seconds to connect and get the answer's head; the stream may then stay idle forever.
    unsigned timeout_s = 10;

    // subscribe and stats
    bool json = false;

    // stats
    double interval_s = 1.0;
};

// Runs the chosen command; returns the exit status (0 ok, 1 runtime failure, 2 usage error).
int run_client_command(const ClientOptions& options);

} // namespace ssehub::cli
